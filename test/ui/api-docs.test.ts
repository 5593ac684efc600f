// /api/docs in real Chromium: Swagger UI renders every operation of the master's
// own description, from the master alone (the harness fails any request to
// another host, console error or failed request), under its COEP headers.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../support/api-document.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

describe('API docs page', () => {
  it('shows every described operation, served by the master itself', async () => {
    const { page } = await ui.open('/api/docs');
    const operations = Object.values(openApiDocument.paths ?? {}).flatMap((item) => Object.keys(item ?? {}));
    await page.waitForFunction((count) => document.querySelectorAll('.opblock').length === count, { timeout: 30_000 }, operations.length);
    const shown = await page.$$eval('.opblock-summary-path', (paths) => paths.map((path) => path.getAttribute('data-path')));
    expect(new Set(shown)).toEqual(new Set(Object.keys(openApiDocument.paths ?? {})));
  });
});
