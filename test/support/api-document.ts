// The API description of a master on the default settings, as its /api/openapi.json serves it: what tests read the
// documented paths and schemas from.
import { makeConfig } from '../../master/config.ts';
import { apiDocument } from '../../master/http/openapi.ts';

export const openApiDocument = apiDocument(makeConfig({}));
