import { until } from '../../apps/worker/test/processes';
import { checkedFetch } from './openapi-check';
import type { Stack } from './stack';

/** One answer of the API: its status, headers and body (JSON parsed when it is JSON, else the text). */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field in tests
  readonly body: any;
}

/** A caller of a test stack's API with its token; a body is sent as JSON; every answer is checked against docs/openapi.json. */
export function apiCaller(stack: () => Stack) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const { base, token } = stack();
    const r = await checkedFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const json = r.headers.get('content-type')?.startsWith('application/json');
    return { status: r.status, headers: r.headers, body: json && text ? JSON.parse(text) : text };
  };
}

/** Waits (on the API's answers, not the clock) for a sweep to be in one of `states`; its view then. */
export function sweepInState(call: ReturnType<typeof apiCaller>, id: string, states: readonly string[]) {
  return until(`sweep ${id} to be ${states.join('/')}`, async () => {
    const r = await call('GET', `/sweeps/${id}`);
    return states.includes(r.body.state) ? (r.body as ApiAnswer['body']) : null;
  });
}
