// @ts-check
// A settled emissions epoch for people: its facts, one bar per bucket (paid, and what carries over to
// the next epoch) drawn as inline SVG, and each bucket's top contributors. Amounts arrive as exact
// decimal strings in whole tokens and are shown exactly as given; numbers are used only for lengths.
// The pure parts (bar lengths, the summary) are tested in chat-ui/emissions-chart.test.ts.

import { h, hexWithCopy, replaceChildren } from './dom.js';
import { shortHex } from './format.js';

/**
 * A settled epoch as GET /v1/emissions/epochs/:epoch sends it (api-types.d.ts, generated from the server's schemas).
 * @typedef {import('./api-types.js').EpochReport} EpochReport
 * @typedef {EpochReport['buckets'][number]} BucketReport
 * @typedef {BucketReport['payouts'][number]} Payout
 */

/** The reward token's decimals: the API's amounts are whole tokens with at most this many decimals. */
const DECIMALS = 18;
/** The chart's width in SVG units; it scales to the card, so one unit is about one CSS pixel. */
export const CHART_WIDTH = 320;
/** The shortest bar segment drawn for an amount that is not zero, so a small amount stays visible. */
const MIN_SEGMENT = 2;

const STATUS = /** @type {Record<string, { label: string, tone: string, help: string }>} */ ({
  distributed: {
    label: 'Distributed',
    tone: 'good',
    help: 'The distributor is deployed and funded: contributors can claim.',
  },
  settled: {
    label: 'Settled',
    tone: 'plan-proposed',
    help: 'Computed and stored; the distributor is not deployed and funded yet.',
  },
  'nothing-to-pay': {
    label: 'Nothing to pay',
    tone: 'neutral',
    help: 'Nobody contributed: everything carries over to the next epoch.',
  },
});

/**
 * A decimal string in whole tokens ("1149.72852487508") as an integer of the smallest unit, exactly;
 * undefined for anything else (a sign, an exponent, more than 18 decimals).
 * @param {unknown} amount
 * @returns {bigint | undefined}
 */
export function toUnits(amount) {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(String(amount ?? '').trim());
  if (!match) return undefined;
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if ((whole === '' && fraction === '') || fraction.length > DECIMALS) return undefined;
  return BigInt(whole || '0') * 10n ** BigInt(DECIMALS) + BigInt(fraction.padEnd(DECIMALS, '0'));
}

/**
 * part / whole as a number from 0 to 1, for drawing only (never shown as an amount). The division
 * is of exact integers converted once, so 18-decimal amounts and tiny shares keep their order.
 * @param {bigint} part
 * @param {bigint} whole
 * @returns {number}
 */
export function fraction(part, whole) {
  if (whole <= 0n || part <= 0n) return 0;
  if (part >= whole) return 1;
  return Number(part) / Number(whole);
}

/**
 * Each bucket's bar: the paid segment and the carried-over one, in SVG units, scaled so the bucket with
 * the most to pay (paid + carried over) fills `width`. An amount above zero gets at least `min` units.
 * @param {Pick<BucketReport, 'bucket' | 'paid' | 'carriedOut'>[]} buckets
 * @param {number} [width]
 * @param {number} [min]
 * @returns {{ bucket: string, paid: number, carried: number }[]}
 */
export function barLengths(buckets, width = CHART_WIDTH, min = MIN_SEGMENT) {
  const amounts = buckets.map((b) => ({
    bucket: b.bucket,
    paid: toUnits(b.paid) ?? 0n,
    carried: toUnits(b.carriedOut) ?? 0n,
  }));
  // bigints: Math.max does not take them.
  let largest = 0n;
  for (const a of amounts) if (a.paid + a.carried > largest) largest = a.paid + a.carried;
  const round = (/** @type {number} */ n) => Math.round(n * 100) / 100;
  return amounts.map(({ bucket, paid, carried }) => {
    let paidLength = paid > 0n ? Math.max(min, width * fraction(paid, largest)) : 0;
    const carriedLength = carried > 0n ? Math.max(min, width * fraction(carried, largest)) : 0;
    // The minimum may push a nearly full bar past the edge: the paid segment gives way.
    if (paidLength + carriedLength > width) paidLength = Math.max(0, width - carriedLength);
    return { bucket, paid: round(paidLength), carried: round(carriedLength) };
  });
}

/**
 * A bucket's name for people ("community" → "Community").
 * @param {string} bucket
 */
export function bucketName(bucket) {
  const text = String(bucket);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The epoch's period from the API's ISO times, in UTC: "2026-01-13 → 2026-01-14 UTC" when both are
 * midnights (an epoch is a day by default), "2026-01-13 06:00 → 2026-01-13 18:00 UTC" otherwise.
 * @param {string} from
 * @param {string} to
 */
export function formatPeriod(from, to) {
  const parse = (/** @type {string} */ iso) => /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(String(iso));
  const start = parse(from);
  const end = parse(to);
  if (!start || !end) return `${from} \u2192 ${to}`;
  const midnights = start[2] === '00:00' && end[2] === '00:00';
  const show = (/** @type {RegExpExecArray} */ m) => (midnights ? `${m[1]}` : `${m[1]} ${m[2]}`);
  return `${show(start)} \u2192 ${show(end)} UTC`;
}

/** Whether a decimal string is zero ("0", "0.000"). @param {string} amount */
const isZero = (amount) => toUnits(amount) === 0n;

/**
 * What the chart says, in words, for screen readers and the SVG's <title>: every amount as given.
 * @param {Pick<EpochReport, 'epoch' | 'buckets'>} report
 * @returns {string}
 */
export function chartSummary(report) {
  const parts = report.buckets.map((b) => {
    const carried = isZero(b.carriedOut) ? '' : `, carried over ${b.carriedOut}`;
    return `${b.bucket} paid ${b.paid}${carried}`;
  });
  return `Epoch ${report.epoch}, per bucket: ${parts.join('; ')}.`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element; strings among the children become text nodes (never markup).
 * @param {string} tag
 * @param {Record<string, string | number | undefined>} [attrs]
 * @param {...(Node | string | null | undefined)} children
 * @returns {SVGElement}
 */
function svg(tag, attrs = {}, ...children) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) element.setAttribute(key, String(value));
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/**
 * The chart: a legend, then per bucket its name and what it paid, a bar (paid, then the carried-over
 * remainder in a lighter tint), and what it carries over when that is not zero.
 * @param {Pick<EpochReport, 'epoch' | 'buckets'>} report
 * @returns {SVGElement}
 */
export function emissionsChart(report) {
  const summary = chartSummary(report);
  const lengths = barLengths(report.buckets);
  const rows = [];
  let y = 26;
  for (const [i, b] of report.buckets.entries()) {
    const length = lengths[i] ?? { paid: 0, carried: 0 };
    const carries = !isZero(b.carriedOut);
    const detail = `${bucketName(b.bucket)}: emitted ${b.emitted}, carried in ${b.carriedIn}, paid ${b.paid}, carried over ${b.carriedOut}`;
    rows.push(
      svg(
        'g',
        { class: 'chart-row', 'data-testid': 'emissions-bar', 'data-bucket': b.bucket },
        svg('title', {}, detail),
        svg('text', { class: 'chart-name', x: 0, y: y + 12 }, bucketName(b.bucket)),
        svg(
          'text',
          { class: 'chart-value', x: CHART_WIDTH, y: y + 12, 'text-anchor': 'end', 'data-testid': 'emissions-paid' },
          svg('tspan', { class: 'chart-muted' }, 'paid '),
          b.paid,
        ),
        svg('rect', { class: 'chart-track', x: 0, y: y + 18, width: CHART_WIDTH, height: 10, rx: 3 }),
        length.paid > 0
          ? svg('rect', {
              class: 'chart-paid',
              'data-part': 'paid',
              x: 0,
              y: y + 18,
              width: length.paid,
              height: 10,
              rx: 3,
            })
          : null,
        length.carried > 0
          ? svg('rect', {
              // A sliver (a few wei of rounding) is just a tint; a real segment gets a dashed edge too.
              class: length.carried >= 6 ? 'chart-carried chart-carried-edge' : 'chart-carried',
              'data-part': 'carried',
              x: length.paid,
              y: y + 18,
              width: length.carried,
              height: 10,
              rx: 3,
            })
          : null,
        carries
          ? svg(
              'text',
              {
                class: 'chart-carried-label',
                x: CHART_WIDTH,
                y: y + 42,
                'text-anchor': 'end',
                'data-testid': 'emissions-carried',
              },
              `carried over ${b.carriedOut}`,
            )
          : null,
      ),
    );
    y += carries ? 54 : 40;
  }
  const height = y - 6;
  return svg(
    'svg',
    {
      class: 'emissions-chart',
      viewBox: `0 0 ${CHART_WIDTH} ${height}`,
      role: 'img',
      'aria-label': summary,
      'data-testid': 'emissions-chart',
    },
    svg('title', {}, summary),
    svg(
      'g',
      { class: 'chart-legend', 'aria-hidden': 'true' },
      svg('rect', { class: 'chart-paid', x: 0, y: 2, width: 10, height: 10, rx: 2 }),
      svg('text', { x: 15, y: 11 }, 'paid'),
      svg('rect', { class: 'chart-carried chart-carried-edge', x: 56, y: 2, width: 10, height: 10, rx: 2 }),
      svg('text', { x: 71, y: 11 }, 'carried over to the next epoch'),
    ),
    ...rows,
  );
}

/**
 * A bucket's top contributors: short address (full one in the title), the amount as given, and a
 * bar for their share of what the bucket paid.
 * @param {BucketReport} bucket
 * @returns {HTMLElement}
 */
function contributorsOf(bucket) {
  const paid = toUnits(bucket.paid) ?? 0n;
  const payouts = Array.isArray(bucket.payouts) ? bucket.payouts : [];
  const count =
    bucket.contributors === 0
      ? ''
      : payouts.length < bucket.contributors
        ? `top ${payouts.length} of ${bucket.contributors}`
        : bucket.contributors === 1
          ? '1 contributor'
          : `${bucket.contributors} contributors`;
  return h(
    'section',
    { class: 'emissions-bucket', dataset: { testid: 'emissions-bucket', bucket: bucket.bucket } },
    h(
      'h4',
      { class: 'emissions-bucket-head' },
      h('span', { text: bucketName(bucket.bucket) }),
      count ? h('span', { class: 'muted small', text: count }) : null,
    ),
    payouts.length === 0
      ? h('p', {
          class: 'muted small',
          text: `No contributors: all ${bucket.carriedOut} carries over to the next epoch.`,
          dataset: { testid: 'emissions-no-contributors' },
        })
      : h(
          'ol',
          { class: 'contributors', attrs: { 'aria-label': `${bucketName(bucket.bucket)}: top contributors` } },
          payouts.map((p) => {
            const share = fraction(toUnits(p.amount) ?? 0n, paid);
            return h(
              'li',
              { class: 'contributor', dataset: { testid: 'emissions-contributor', address: p.contributor } },
              h('code', { class: 'mono', text: shortHex(p.contributor), title: p.contributor }),
              h('span', { class: 'contributor-amount', text: p.amount, dataset: { testid: 'emissions-amount' } }),
              shareBar(share),
            );
          }),
        ),
  );
}

/** @param {number} share from 0 to 1 */
function shareBar(share) {
  const width = share > 0 ? Math.max(1, Math.round(share * 1000) / 10) : 0;
  return svg(
    'svg',
    { class: 'share-bar', viewBox: '0 0 100 4', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    svg('rect', { class: 'share-track', width: 100, height: 4 }),
    svg('rect', { class: 'share-fill', width, height: 4 }),
  );
}

/**
 * The whole report into `container`: period, total, status and distributor, the chart, then the
 * contributors per bucket.
 * @param {HTMLElement} container
 * @param {EpochReport} report
 */
export function renderEmissionsReport(container, report) {
  const status = STATUS[report.status] ?? { label: String(report.status), tone: 'neutral', help: '' };
  const buckets = Array.isArray(report.buckets) ? report.buckets : [];
  const fact = (/** @type {string} */ label, /** @type {(Node | string | null)[]} */ ...value) =>
    h('div', null, h('dt', { text: label }), h('dd', null, ...value));
  replaceChildren(
    container,
    h(
      'dl',
      { class: 'emissions-facts', dataset: { testid: 'emissions-facts' } },
      fact('Epoch', h('span', { text: String(report.epoch), dataset: { testid: 'emissions-epoch-number' } })),
      fact(
        'Period',
        h('span', { text: formatPeriod(report.from, report.to), dataset: { testid: 'emissions-period' } }),
      ),
      fact(
        'Total paid',
        h('span', { class: 'emissions-total', text: report.total, dataset: { testid: 'emissions-total' } }),
      ),
      fact(
        'Status',
        h('span', {
          class: `badge badge-${status.tone}`,
          text: status.label,
          title: status.help,
          dataset: { testid: 'emissions-status', status: String(report.status) },
        }),
        h('span', {
          class: 'muted small',
          text: `${report.claims} ${report.claims === 1 ? 'claim' : 'claims'}`,
          dataset: { testid: 'emissions-claims' },
        }),
      ),
      fact(
        'Distributor',
        report.distributor
          ? hexWithCopy(report.distributor, { label: 'distributor address', testid: 'emissions-distributor' })
          : h('span', { class: 'muted small', text: 'not deployed yet' }),
      ),
    ),
    h('h3', { class: 'emissions-title', text: 'Paid per bucket' }),
    emissionsChart({ epoch: report.epoch, buckets }),
    h('h3', { class: 'emissions-title', text: 'Top contributors' }),
    h('div', { class: 'emissions-buckets' }, buckets.map(contributorsOf)),
  );
}

/**
 * No epoch is settled yet: what to run to settle one.
 * @param {HTMLElement} container
 */
export function renderNoEpochs(container) {
  replaceChildren(
    container,
    h(
      'div',
      { class: 'emissions-empty', dataset: { testid: 'emissions-empty' } },
      h('p', { text: 'No epoch is settled yet.' }),
      h('p', { class: 'muted small', text: 'Settle the last finished epoch from your terminal:' }),
      h('pre', { class: 'command' }, h('code', { text: 'sextant emissions settle --epoch last' })),
    ),
  );
}
