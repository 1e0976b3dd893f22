/**
 * The block and allow lists (API.md, "Lists"): parse, call app/lists.ts, present.
 * The service key or a `senior`/`admin` token (`lists.manage`); a `reviewer` gets 403.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { createListService, listNames, MAX_PAGE, newEntrySchema, type ListEntryView } from '../../app/lists';
import { listTypes } from '../../domain/lists';
import type { Actor } from '../../domain/check';
import { requireRiskTeam } from '../riskAuth';
import { invalidRequest } from '../errors';
import { refuse } from '../../domain/errors';

export const listParamSchema = z.enum(listNames);
export const listQuerySchema = z
  .object({
    type: z.enum(listTypes).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export const entryIdSchema = z.string().regex(/^ent_[A-Za-z0-9_-]{1,40}$/, 'not an entry id');
export const listEntrySchema = z.object({
  id: z.string(),
  list: z.enum(listNames),
  type: z.enum(listTypes),
  hint: z.string(),
  reason: z.string(),
  createdBy: z.object({ type: z.string(), id: z.string().optional(), role: z.string().optional() }),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  checkId: z.string().optional(),
});
export type { ListEntryView };

export { newEntrySchema };

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

export function listsRouter(config: Config): Router {
  const router = Router();
  const lists = createListService(config.pseudonymSecret);
  router.use('/v1/lists', requireRiskTeam(config, 'lists.manage'));
  const actor = (res: { locals: Record<string, unknown> }) => res.locals.actor as Actor;
  const listOf = (value: unknown) => {
    const parsed = listParamSchema.safeParse(value);
    if (!parsed.success) throw refuse.notFound(`list ${JSON.stringify(String(value).slice(0, 40))}`);
    return parsed.data;
  };

  router.post('/v1/lists/:list/entries', async (req, res) => {
    const list = listOf(req.params.list);
    const body = parse(newEntrySchema, req.body ?? {}, 'request body');
    const { entry, created } = await lists.add(list, body, actor(res));
    res.status(created ? 201 : 200).json(entry);
  });

  router.get('/v1/lists/:list/entries', async (req, res) => {
    const list = listOf(req.params.list);
    const query = parse(listQuerySchema, req.query, 'query');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await lists.page(list, query));
  });

  router.delete('/v1/lists/:list/entries/:id', async (req, res) => {
    const list = listOf(req.params.list);
    const id = parse(entryIdSchema, req.params.id, 'entry id');
    if (!(await lists.remove(list, id, actor(res)))) throw refuse.notFound(`entry ${id} of the ${list} list`);
    res.status(204).end();
  });

  return router;
}
