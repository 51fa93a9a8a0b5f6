import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { ErrorBodyDto } from './openapi';

/**
 * The API's OpenAPI document, built from the routes' decorators and the zod
 * schemas of their bodies and answers: what GET /docs-json serves and what
 * `npm run openapi` writes to docs/openapi.json (a test fails when the two drift).
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('vaecf')
      .setDescription('Mult-VAE / Mult-DAE sweeps')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
    // Error answers name it by reference (openapi.ts ApiRoute).
    { extraModels: [ErrorBodyDto] },
  );
  return withoutPrefixItems(cleanupOpenApiDoc(doc));
}

/**
 * zod writes a tuple as JSON Schema 2020-12 does (`prefixItems`, `items: false`), which OpenAPI 3.0
 * does not know: 3.0 tools (and validators) read `items: false` as "no items at all", so a
 * `ci: [lo, hi]` answer failed the document. Written here as 3.0 can say it: an array of
 * 2..2 items of the one type (every tuple in the views has a single item type), else any of them.
 */
function withoutPrefixItems<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutPrefixItems) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withoutPrefixItems(v);
  if (Array.isArray(out.prefixItems)) {
    const items = out.prefixItems as unknown[];
    const same = items.every((i) => JSON.stringify(i) === JSON.stringify(items[0]));
    delete out.prefixItems;
    out.items = same ? items[0] : { anyOf: items };
  }
  return out as T;
}
