import { exportModel, MODEL_EXPORT_FORMATS, modelExportFormat } from '@vaecf/cf';
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { createReporter } from '../output/reporter';
import { checkOutputDir, checkOutputFile } from '../paths';
import { plural } from '../output/plural';

interface ModelExportFlags {
  format: string;
  out: string;
  backend?: string;
  json?: boolean;
}

/** `vaecf model export <checkpoint-dir> --format tfjs|npz --out <dir>`: a trained model out of vaecf. */
export function modelCommand(): Command {
  const exportCmd = new Command('export')
    .description("write a checkpoint's best weights as a TensorFlow.js LayersModel or a NumPy .npz")
    .argument('<checkpoint-dir>', "a checkpoint directory (`vaecf train --checkpoint`, or a sweep's model)")
    .requiredOption('--format <format>', MODEL_EXPORT_FORMATS.join(' | '))
    .requiredOption('--out <dir>', 'where to write the files')
    // Accepted and ignored: an export computes nothing (it was the TensorFlow.js backend once).
    .addOption(new Option('--backend <name>').hideHelp())
    .option('--json', 'print one JSON result object')
    .action(async (dir: string, flags: ModelExportFlags) => {
      const out = createReporter(Boolean(flags.json));
      const format = modelExportFormat(flags.format, '--format');
      await checkOutputDir('--out', flags.out);
      const files = await exportModel(dir, format, flags.out);
      out.info(`exported ${dir} as ${format}:\n${files.map((f) => `  ${f}`).join('\n')}`);
      out.result({ command: 'model export', checkpoint: dir, format, files });
    });
  return new Command('model')
    .description('trained models')
    .addCommand(exportCmd)
    .addCommand(downloadCommand());
}

/** What `model download --format` asks the API for, and the file name it suggests. */
const DOWNLOADS = {
  checkpoint: { query: '', ext: 'model.tar.gz' },
  tfjs: { query: '?format=tfjs', ext: 'tfjs.zip' },
  npz: { query: '?format=npz', ext: 'model.npz' },
} as const;

/** `vaecf model download <sweep>`: the sweep's promoted model, through the API. */
function downloadCommand(): Command {
  return new Command('download')
    .description("download a sweep's best model from the API (its checkpoint, or exported)")
    .argument('<sweep-id>')
    .addOption(
      new Option('--format <format>', 'checkpoint (.tar.gz), tfjs (.zip) or npz')
        .choices(Object.keys(DOWNLOADS))
        .default('checkpoint'),
    )
    .option('--out <file>', 'where to write it (default <sweep-id>-<format file name>)')
    .option('--api <url>', 'API base URL (env VAECF_API_URL, default http://127.0.0.1:8080)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object')
    .action(
      async (
        id: string,
        f: ApiOptions & { format: keyof typeof DOWNLOADS; out?: string; json?: boolean },
      ) => {
        const { query, ext } = DOWNLOADS[f.format];
        const file = f.out ?? `${id}-${ext}`;
        await checkOutputFile('--out', file);
        const bytes = await new ApiClient(f).bytes(`/sweeps/${encodeURIComponent(id)}/model${query}`);
        await writeFile(file, bytes);
        createReporter(Boolean(f.json)).info(
          `wrote ${file} (${bytes.length.toLocaleString('en')} ${plural(bytes.length, 'byte')})`,
        );
        createReporter(Boolean(f.json)).result({
          command: 'model download',
          sweep: id,
          format: f.format,
          file,
          bytes: bytes.length,
        });
      },
    );
}
