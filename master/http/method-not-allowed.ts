// 405 for a known path asked with a method it does not take, and the answer to
// OPTIONS on one (204 and Allow, as express's own answer, a text body, was not
// this API's shape). The known paths and their methods are those of the OpenAPI
// description, which a test holds equal to the routes. Express routes regardless of
// case (/API/JOBS is /api/jobs), and so do these.
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';
import type { ApiDocument } from './openapi.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The answers to a method a known path does not take, from the master's API description (openapi.ts). */
export function methodAnswers(document: ApiDocument): { answerOptions: RequestHandler; methodNotAllowed: RequestHandler } {
  const paths = Object.entries(document.paths ?? {}).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`, 'i'),
    methods: Object.keys(operations ?? {})
      .filter((method) => METHODS.includes(method))
      .map((method) => method.toUpperCase()),
  }));

  /** The Allow header of a known path, or undefined for a path the API does not have. */
  const allowOn = (path: string): string | undefined => {
    const allowed = new Set(paths.filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => methods));
    if (allowed.size === 0) return undefined;
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    return [...allowed].join(', ');
  };

  return {
    /** Place before the routes (express's routers would answer OPTIONS themselves): OPTIONS on a known /api path. */
    answerOptions: (req, res, next) => {
      if (req.method !== 'OPTIONS' || !req.path.toLowerCase().startsWith('/api/')) return next();
      const allow = allowOn(req.path);
      // An unknown path goes on to its 404.
      if (allow === undefined) return next();
      res.status(204).set('Allow', allow).end();
    },
    /** Place after every route: a request that reaches it matched none. */
    methodNotAllowed: (req, _res, next) => {
      const allow = allowOn(req.path);
      if (allow === undefined) return next();
      next(new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, { Allow: allow }));
    },
  };
}
