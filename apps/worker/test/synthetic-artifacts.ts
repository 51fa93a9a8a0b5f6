import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { generateSyntheticRatings, prepareDataset, writeDatasetArtifact } from '@vaecf/cf';

/**
 * The worker tests' starting point: a filesystem artifact store in a fresh
 * temporary root (`vaecf-<name>-*`) holding dataset `datasetId`, prepared
 * from synthetic ratings written to `<root>/ratings.csv`. The caller removes
 * `root` when done.
 */
export async function syntheticArtifacts(
  name: string,
  datasetId: string,
  ratings: { users: number; items: number; seed: number; heldoutUsers: number },
): Promise<{ root: string; artifacts: FilesystemArtifactStore; csv: string }> {
  const root = await mkdtemp(join(tmpdir(), `vaecf-${name}-`));
  const artifacts = new FilesystemArtifactStore(root);
  const csv = join(root, 'ratings.csv');
  const { heldoutUsers, ...shape } = ratings;
  await generateSyntheticRatings(csv, shape);
  await writeDatasetArtifact(
    artifacts.datasetDir(datasetId),
    await prepareDataset(csv, { format: 'movielens-csv', heldoutUsers }),
  );
  return { root, artifacts, csv };
}
