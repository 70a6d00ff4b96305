// Functions on streams: Lambda-style event source mappings running handler modules in worker threads.
export { FunctionManager, type FunctionManagerOptions, type MappingView, type MappingStats } from './function-manager.js';
export { parseCreateRequest, parseUpdateRequest, type CreateMappingRequest, type UpdateMappingRequest } from './mapping-request.js';
export { parseFunctionName } from './function-name.js';
export type { EventSourceMapping, MappingState, StartingPosition } from './event-source-mapping.js';
export type { MappingShardPosition } from './mapping-state-store.js';
