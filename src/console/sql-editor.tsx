// The SQL editor: CodeMirror 6 with SQL highlighting, and the server's error drawn at its line and column
// (a red underline on the offending token, and the message in the gutter and on hover).

import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { sql, StandardSQL } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';

export interface SqlErrorMark {
  readonly line: number;
  readonly column: number;
  readonly token?: string | undefined;
  readonly message: string;
}

export interface SqlEditorProps {
  readonly initial: string;
  readonly onChange: (text: string) => void;
  /** Ctrl-Enter / Cmd-Enter. */
  readonly onRun: () => void;
  readonly error: SqlErrorMark | undefined;
}

export function SqlEditor({ initial, onChange, onRun, error }: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The editor is made once; its callbacks read the latest props through these.
  const callbacks = useRef({ onChange, onRun });
  callbacks.current = { onChange, onRun };

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle),
          sql({ dialect: StandardSQL, upperCaseKeywords: true }),
          lintGutter(),
          placeholder('SELECT … FROM stream'),
          keymap.of([
            { key: 'Mod-Enter', run: () => (callbacks.current.onRun(), true) },
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            // An edit makes the previous error stale.
            update.view.dispatch(setDiagnostics(update.state, []));
            callbacks.current.onChange(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': 'SQL script' }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const diagnostics: Diagnostic[] = error ? [diagnosticAt(editor.state.doc, error)] : [];
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [error]);

  return <div class="sql-editor" ref={host} />;
}

/** Lines and columns count from 1; the mark covers the offending token, or one character without one. */
export function diagnosticAt(doc: Text, mark: SqlErrorMark): Diagnostic {
  const lineNo = Math.min(Math.max(1, mark.line), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max(0, mark.column - 1), line.to);
  const length = mark.token && mark.token.length > 0 ? mark.token.length : 1;
  const to = Math.min(Math.max(from + length, from), doc.length);
  return { from, to: to > from ? to : Math.min(from + 1, doc.length), severity: 'error', message: mark.message };
}
