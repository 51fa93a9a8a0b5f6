import { BACKEND_ENV, BACKEND_NAMES, initBackend, type BackendInfo } from '@vaecf/cf';
import { UserError } from './errors';

/**
 * initBackend for a command: a backend the user asked for (`--backend`, or
 * VAECF_BACKEND) that does not exist or cannot load here (tfjs-node not
 * installed) is bad input, refused in one line with the choices (exit 2),
 * not a stack trace. Without a request the best available one is taken, and
 * failing to load any at all stays an installation fault (exit 1).
 */
export async function loadBackend(flag: string | undefined): Promise<BackendInfo> {
  const [source, wanted] = flag !== undefined ? ['--backend', flag] : [BACKEND_ENV, process.env[BACKEND_ENV]];
  if (wanted === undefined || wanted === '') return initBackend(undefined);
  try {
    return await initBackend(wanted);
  } catch (e) {
    // The library's first line says why ("Cannot find module ..."); its "VAECF_BACKEND=x was
    // requested" preamble would misname the source when the flag asked.
    const why = (e instanceof Error ? e.message : String(e))
      .split('\n')[0]
      .replace(/^\S+ was requested but /, '');
    const choices = BACKEND_NAMES.join(', ');
    const hint = why.includes(choices)
      ? ''
      : ` (backends: auto, ${choices}; tensorflow needs @tensorflow/tfjs-node installed, tensorflow-gpu @tensorflow/tfjs-node-gpu)`;
    throw new UserError(`${source} ${wanted}: ${why}${hint}`, source);
  }
}
