// @ts-check
// Server-sent events over fetch: EventSource cannot POST, so the page reads the stream itself.

/**
 * A parser for the text/event-stream format: feed it text as it arrives; it calls `onEvent` once per
 * complete event (a blank line ends one). Comments (":") and unknown fields are ignored; several
 * "data:" lines join with a newline; the event name defaults to "message".
 * @param {(event: { event: string, data: string, id?: string }) => void} onEvent
 * @returns {{ push: (text: string) => void, end: () => void }}
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let name = '';
  /** @type {string[]} */
  let data = [];
  /** @type {string | undefined} */
  let id;

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: name || 'message', data: data.join('\n'), ...(id ? { id } : {}) });
    name = '';
    data = [];
  };

  /** @param {string} line */
  const handleLine = (line) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };

  return {
    push(text) {
      buffer += text;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      const pattern = /\r\n|\r(?!$)|\n/g;
      let start = 0;
      let match = pattern.exec(buffer);
      while (match) {
        handleLine(buffer.slice(start, match.index));
        start = match.index + match[0].length;
        match = pattern.exec(buffer);
      }
      buffer = buffer.slice(start);
    },
    end() {
      if (buffer.length > 0) {
        handleLine(buffer.replace(/\r$/, ''));
        buffer = '';
      }
      // The stream ended without a final blank line: the last event still counts.
      dispatch();
    },
  };
}

/**
 * Reads a fetch Response's body as server-sent events, calling `onEvent` with each event's name and
 * parsed JSON data. Resolves when the stream ends.
 * @param {Response} response
 * @param {(name: string, data: any) => void} onEvent
 * @returns {Promise<void>}
 */
export async function readEventStream(response, onEvent) {
  if (!response.body) throw new Error('The response has no body to read.');
  const parser = createSseParser(({ event, data }) => {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = { raw: data };
    }
    onEvent(event, parsed);
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  parser.end();
}
