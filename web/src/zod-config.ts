// zod compiles faster parsers with `new Function` when the page allows eval. The master's
// Content-Security-Policy does not, and merely trying is a reported violation (an uncaught
// error in Firefox), so the app parses without compiling. Imported first by main.ts.
import { z } from 'zod';

z.config({ jitless: true });
