// Security headers on every answer (pages, JSON, images, model files), through helmet.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

const self = "'self'";

/**
 * The app's policy: everything from the master itself, no inline script, no framing.
 * 'wasm-unsafe-eval' lets the TF.js WASM backend compile its module; blob: lets
 * its threaded build start its pthread workers from generated scripts. Images are
 * also blob: (upload previews) and data: (the empty favicon).
 */
const APP_POLICY = {
  defaultSrc: [self],
  scriptSrc: [self, "'wasm-unsafe-eval'", 'blob:'],
  workerSrc: [self, 'blob:'],
  styleSrc: [self],
  imgSrc: [self, 'data:', 'blob:'],
  connectSrc: [self],
  fontSrc: [self],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: [self],
  frameAncestors: ["'none'"],
};

/** Swagger UI (/api/docs) sets inline style attributes and shows data: icons; its page gets that much more, and no more. */
const DOCS_POLICY = { ...APP_POLICY, styleSrc: [self, "'unsafe-inline'"], scriptSrc: [self], workerSrc: ["'none'"] };

function headers(directives: typeof APP_POLICY): RequestHandler {
  return helmet({
    // Not helmet's defaults: they add upgrade-insecure-requests, which breaks a master served over plain HTTP on a LAN.
    contentSecurityPolicy: { useDefaults: false, directives },
    // Cross-origin isolation lets the WASM backend use threads where cores allow.
    crossOriginEmbedderPolicy: { policy: 'require-corp' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    // TLS, where there is any, is a proxy's to terminate and to announce.
    strictTransportSecurity: false,
  });
}

const forApp = headers(APP_POLICY);
const forDocs = headers(DOCS_POLICY);

/** The docs page, with or without the trailing slash its route also answers to. */
const DOCS_PAGE = /^\/api\/docs\/?$/;

export const securityHeaders: RequestHandler = (req, res, next) => (DOCS_PAGE.test(req.path) ? forDocs : forApp)(req, res, next);
