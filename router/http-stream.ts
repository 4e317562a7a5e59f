/**
 * A streamed response (NDJSON or server-sent events) from pieces of text as they come, pulled one
 * at a time so a slow client holds back the upstream. When the client goes away the stream is
 * cancelled and `pieces` closed; what produces them also learns it from the request's abort signal.
 * (Writing to Node's response directly instead measured no faster, so the plain Web stream stays.)
 */
export function sendStream(pieces: AsyncGenerator<string>, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<string>;
      try {
        next = await pieces.next();
      } catch (error) {
        // The producers turn failures into an error piece; anything else is a bug: end the stream.
        console.error(error);
        next = { done: true, value: undefined };
      }
      // Cancelled while waiting (the client left): nothing more may be written.
      if (cancelled) return;
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      cancelled = true;
      void pieces.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers });
}
