import * as tf from '@tensorflow/tfjs-core';

/** The TensorFlow.js backends vaecf can run on, best first. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces one backend (fails loudly if it cannot load). */
export const BACKEND_ENV = 'VAECF_BACKEND';

export interface BackendInfo {
  readonly name: BackendName;
  /** tfjs's own name for it ('tensorflow' for both native builds). */
  readonly tfName: string;
  /** Why better backends were passed over, for the log line. */
  readonly skipped: readonly string[];
}

let active: BackendInfo | null = null;

/**
 * Loads the best TensorFlow.js backend present (or the one named by
 * VAECF_BACKEND / `prefer`) and makes it current. Native backends are optional
 * dependencies that often fail to install; their absence is normal and is only
 * reported, never thrown, unless that backend was asked for explicitly.
 */
export async function initBackend(
  prefer: string | undefined = process.env[BACKEND_ENV],
): Promise<BackendInfo> {
  const wanted = parsePreference(prefer);
  if (active && (wanted === undefined || wanted === active.name)) return active;
  const candidates = wanted ? [wanted] : BACKEND_NAMES;
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      const tfName = await load(name);
      active = { name, tfName, skipped };
      return active;
    } catch (e) {
      const reason = `${name}: ${firstLine(e)}`;
      if (wanted) throw new Error(`${BACKEND_ENV}=${wanted} was requested but cannot be loaded (${reason})`);
      skipped.push(reason);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${skipped.join('; ')}`);
}

export function activeBackend(): BackendInfo | null {
  return active;
}

function parsePreference(prefer: string | undefined): BackendName | undefined {
  if (prefer === undefined || prefer === '' || prefer === 'auto') return undefined;
  const aliases: Record<string, BackendName> = {
    gpu: 'tensorflow-gpu',
    'tfjs-node-gpu': 'tensorflow-gpu',
    node: 'tensorflow',
    'tfjs-node': 'tensorflow',
  };
  const name = aliases[prefer] ?? prefer;
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`${BACKEND_ENV} must be one of auto, ${BACKEND_NAMES.join(', ')}; got "${prefer}"`);
  }
  return name as BackendName;
}

/* eslint-disable @typescript-eslint/no-require-imports -- the native packages are optional and
   may be absent: a plain require inside try/catch is the honest way to probe them (an import would
   need their type declarations at build time). */
async function load(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
      require('@tensorflow/tfjs-node-gpu');
      return activate('tensorflow');
    case 'tensorflow':
      require('@tensorflow/tfjs-node');
      return activate('tensorflow');
    case 'wasm':
      require('@tensorflow/tfjs-backend-wasm');
      return activate('wasm');
    case 'cpu':
      require('@tensorflow/tfjs-backend-cpu');
      return activate('cpu');
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function activate(tfName: string): Promise<string> {
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
  return tfName;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}
