import { exportProSg, readDatasetArtifact } from '@vaecf/cf';
import { Command } from 'commander';
import { UserError } from '../errors';
import { createReporter } from '../output/reporter';
import { checkOutputDir } from '../paths';
import { count } from '../output/plural';

const SPLIT_EXPORT_FORMATS = ['pro_sg'] as const;

interface ExportSplitFlags {
  format: string;
  out: string;
  json?: boolean;
}

/** `vaecf export-split <dataset-dir> --format pro_sg --out <dir>`: the split as the paper's code reads it. */
export function exportSplitCommand(): Command {
  return new Command('export-split')
    .description("write a prepared dataset's split as the paper notebook's pro_sg files")
    .argument('<dataset-dir>', 'a dataset directory written by `vaecf prepare`')
    .requiredOption('--format <format>', `output format (${SPLIT_EXPORT_FORMATS.join(', ')})`)
    .requiredOption('--out <dir>', 'where to write the files')
    .option('--json', 'print one JSON result object')
    .action(async (dir: string, flags: ExportSplitFlags) => {
      const out = createReporter(Boolean(flags.json));
      if (!(SPLIT_EXPORT_FORMATS as readonly string[]).includes(flags.format))
        throw new UserError(
          `invalid --format: must be one of ${SPLIT_EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(flags.format)})`,
        );
      await checkOutputDir('--out', flags.out);
      const dataset = await readDatasetArtifact(dir);
      await exportProSg(dataset, flags.out);
      out.info(
        `wrote ${dir} as pro_sg into ${flags.out}: ${count(dataset.train.nRows, 'training user')}, ` +
          `${dataset.validation.foldIn.nRows} validation, ${dataset.test.foldIn.nRows} test, ${count(dataset.nItems, 'item')}`,
      );
      out.result({ command: 'export-split', dataset: dir, format: flags.format, out: flags.out });
    });
}
