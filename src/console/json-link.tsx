// Every object on the page links to its JSON in the /v1 API: the page shows nothing the API does not.

export function JsonLink({ path, label = 'JSON' }: { readonly path: string; readonly label?: string }) {
  return (
    <a class="json-link" href={path} target="_blank" rel="noopener" title={`GET ${path}`}>
      {label}
    </a>
  );
}
