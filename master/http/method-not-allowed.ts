// 405 for a known path asked with a method it does not take. The known paths and
// their methods are those of the OpenAPI description, which a test holds equal to the routes.
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';
import { openApiDocument } from './openapi.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const PATHS = Object.entries(openApiDocument.paths ?? {}).map(([template, operations]) => ({
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`),
  methods: Object.keys(operations ?? {})
    .filter((method) => METHODS.includes(method))
    .map((method) => method.toUpperCase()),
}));

/** Place after every route: a request that reaches it matched none. */
export const methodNotAllowed: RequestHandler = (req, _res, next) => {
  const allowed = new Set(PATHS.filter(({ pattern }) => pattern.test(req.path)).flatMap(({ methods }) => methods));
  if (allowed.size === 0) return next();
  if (allowed.has('GET')) allowed.add('HEAD');
  const allow = [...allowed].join(', ');
  next(new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, { Allow: allow }));
};
