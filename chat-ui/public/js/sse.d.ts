// Types for sse.js, so the TypeScript tests can import the browser module as it is served.
export function createSseParser(onEvent: (event: { event: string; data: string; id?: string }) => void): {
  push: (text: string) => void;
  end: () => void;
};
export function readEventStream(response: Response, onEvent: (name: string, data: unknown) => void): Promise<void>;
