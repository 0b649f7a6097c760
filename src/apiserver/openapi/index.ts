/** OpenAPI documents for kubectl and client libraries: pure builders plus an HTTP-framework-free server. */
export { openApiV2, SERVED_KUBERNETES_VERSION, type OpenApiV2Document } from './v2.js';
export { encodeOpenApiV2 } from './v2-protobuf.js';
export {
  openApiV3For, openApiV3Index, documentHash, groupVersionKey, servedGroupVersions, toV3Schema, serialize,
  type OpenApiV3Document, type OpenApiV3Index,
} from './v3.js';
export { OpenApiDocuments, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, type OpenApiRequest, type OpenApiResponse } from './service.js';
export { pathsForKind, listDefinitionOf } from './operations.js';
export { publishedDefinitions } from './published-definitions.js';
