// What the server's connections hold now, for /metrics: how close it is to its connection limit and to
// its HTTP/2 buffered-bytes bounds.

export interface ConnectionFigures {
  readonly openConnections: number;
  readonly bufferedRequestBytes: number;
}

export function renderConnectionFigures(figures: ConnectionFigures): string {
  return [
    '# HELP eddy_http_open_connections Connections open now, HTTP/1.1 and HTTP/2, TLS or not.',
    '# TYPE eddy_http_open_connections gauge',
    `eddy_http_open_connections ${figures.openConnections}`,
    '# HELP eddy_http2_buffered_request_bytes Bytes of HTTP/2 request bodies received and held until their streams close.',
    '# TYPE eddy_http2_buffered_request_bytes gauge',
    `eddy_http2_buffered_request_bytes ${figures.bufferedRequestBytes}`,
    '',
  ].join('\n');
}
