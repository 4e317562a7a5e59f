import { type Address, createPublicClient, custom, type Hex, type PublicClient, toHex } from 'viem';

type Call = { to: Address; value?: bigint; data?: Hex };
type RawRequest = (args: { method: string; params?: unknown }) => Promise<unknown>;

/**
 * A read client that sees the chain as it will be once `account` has made `calls`: each eth_call is
 * answered by eth_simulateV1 with those calls first and the read last, in one simulated block (and an
 * eth_simulateV1 of its own gets them first in its first block, their results taken out again). A
 * plan's later steps are built on it, so a borrow is quoted against the supply before it in the same
 * bundle, and a supply is sized by the swap before it. Nothing is sent.
 */
export function clientAfterCalls(client: PublicClient, account: Address, calls: readonly Call[]): PublicClient {
  if (calls.length === 0) return client;
  const request = client.request as unknown as RawRequest;
  const pending = calls.map((call) => ({
    from: account,
    to: call.to,
    value: toHex(call.value ?? 0n),
    data: call.data ?? '0x',
  }));
  return createPublicClient({
    ...(client.chain ? { chain: client.chain } : {}),
    transport: custom({
      async request({ method, params }) {
        if (method === 'eth_simulateV1') return simulateAfter(request, pending, params);
        if (method !== 'eth_call') return request({ method, params });
        const [read] = params as [Record<string, unknown>];
        const [block] = (await request({
          method: 'eth_simulateV1',
          params: [
            { blockStateCalls: [{ calls: [...pending, { ...read, from: read.from ?? account }] }], validation: false },
            'latest',
          ],
        })) as { calls: { status: Hex; returnData: Hex; error?: { message?: string; data?: Hex } }[] }[];
        const results = block?.calls ?? [];
        const failedEarlier = results.slice(0, pending.length).findIndex((r) => r.status !== '0x1');
        if (failedEarlier >= 0) {
          throw new Error(
            `An earlier step of this plan would fail (call ${failedEarlier + 1}), so later steps cannot be built on it.`,
          );
        }
        const last = results[results.length - 1];
        if (last?.status !== '0x1') {
          const error = new Error(last?.error?.message ?? 'execution reverted') as Error & {
            data?: Hex;
            code?: number;
          };
          error.data = last?.error?.data ?? last?.returnData;
          error.code = 3;
          throw error;
        }
        return last.returnData;
      },
    }),
  }) as PublicClient;
}

type SimulatedBlock = { calls: { status: Hex; returnData: Hex }[] } & Record<string, unknown>;

/** An eth_simulateV1 on the state after the pending calls: they run first in its first block, and their results are dropped. */
async function simulateAfter(request: RawRequest, pending: readonly Record<string, unknown>[], params: unknown) {
  const [payload, ...rest] = params as [{ blockStateCalls: { calls?: unknown[] }[] } & Record<string, unknown>];
  const [first, ...later] = payload.blockStateCalls;
  const blocks = (await request({
    method: 'eth_simulateV1',
    params: [
      { ...payload, blockStateCalls: [{ ...first, calls: [...pending, ...(first?.calls ?? [])] }, ...later] },
      ...rest,
    ],
  })) as SimulatedBlock[];
  const [block, ...others] = blocks;
  if (!block) return blocks;
  const failedEarlier = block.calls.slice(0, pending.length).findIndex((r) => r.status !== '0x1');
  if (failedEarlier >= 0) {
    throw new Error(
      `An earlier step of this plan would fail (call ${failedEarlier + 1}), so later steps cannot be built on it.`,
    );
  }
  return [{ ...block, calls: block.calls.slice(pending.length) }, ...others];
}
