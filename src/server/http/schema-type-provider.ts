// Lets fastify type each route's request and reply from the route's own JSON schemas
// (`app.withTypeProvider<SchemaTypeProvider>()`), so a handler that reads a field its body schema does not
// declare, or answers with a shape its response schema does not describe, does not compile.
import type { FastifyTypeProvider } from 'fastify';
import type { FromSchema } from '../../statements/index.js';

export interface SchemaTypeProvider extends FastifyTypeProvider {
  readonly validator: FromSchema<this['schema']>;
  readonly serializer: FromSchema<this['schema']>;
}
