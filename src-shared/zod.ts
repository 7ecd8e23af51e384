// zod as Strata uses it: zod/mini, the functional form of zod — the same checks, the same
// parse results and, configured here, the same English messages as zod's classic chained
// API — because it is a quarter of the code (about 45 KB built against 180 KB), and every
// `strata` command and the engine parse it at start (issue 18). zod/mini carries no
// messages unless a locale is configured: this module configures English before any
// schema can parse, so import z from here, never from 'zod/mini' directly.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };
