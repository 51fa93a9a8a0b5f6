import { exportModel, initBackend, MODEL_EXPORT_FORMATS, modelExportFormat } from '@vaecf/cf';
import { Command } from 'commander';
import { createReporter } from '../output/reporter';

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
    .option('--backend <name>', 'TensorFlow.js backend (default: the best available)')
    .option('--json', 'print one JSON result object')
    .action(async (dir: string, flags: ModelExportFlags) => {
      const out = createReporter(Boolean(flags.json));
      const format = modelExportFormat(flags.format, '--format');
      await initBackend(flags.backend);
      const files = await exportModel(dir, format, flags.out);
      out.info(`exported ${dir} as ${format}:\n${files.map((f) => `  ${f}`).join('\n')}`);
      out.result({ command: 'model export', checkpoint: dir, format, files });
    });
  return new Command('model').description('trained models').addCommand(exportCmd);
}
