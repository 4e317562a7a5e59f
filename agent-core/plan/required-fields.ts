// The table of what each action requires, and its questions, is agent-core/intents/requirements.ts.
// This name stays for the parser's import (parse/embedded/parse.ts) until that file moves to it.
export { missingField } from '../intents/requirements.ts';
