// @ts-check
// The referrer: the front end or protocol endpoint that linked here with `?ref=0x…` (its payout
// address). Read once at load and kept for the tab's session, since the address bar does not keep it
// (sign-in through `/?token=…` redirects), then sent with every chat request.

const KEY = 'sextant.referrer';
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * The tab's sessionStorage, or nothing when the browser refuses it (storage disabled).
 * @returns {Pick<Storage, 'getItem' | 'setItem'> | undefined}
 */
function sessionStore() {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * Remembers the `ref` in `search` (a URL's query) if it is an address, and returns the referrer this
 * session carries: the latest address a link gave, else none. Anything but an address is ignored (and
 * any earlier referrer kept), so a bad link cannot stop the chat. Sent lower-case: the server checks a
 * mixed-case address against its checksum, which this page cannot compute.
 * @param {string} search
 * @param {Pick<Storage, 'getItem' | 'setItem'> | undefined} [storage]
 * @returns {string | undefined}
 */
export function rememberReferrer(search, storage = sessionStore()) {
  const ref = new URLSearchParams(search).get('ref')?.trim();
  const given = ref && ADDRESS.test(ref) ? ref.toLowerCase() : undefined;
  if (ref && !given) console.warn(`Ignoring ?ref=${ref}: a referrer is a 0x address (40 hex digits).`);
  try {
    if (given) storage?.setItem(KEY, given);
    return storage?.getItem(KEY) ?? given;
  } catch {
    return given;
  }
}
