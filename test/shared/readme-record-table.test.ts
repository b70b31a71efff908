import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routingRecordSchema } from '#shared/record.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The rows of README's routing-record table: each backticked field name with its "required" cell. */
function tableFields(): Map<string, string> {
  const section = README.slice(README.indexOf('## Reference: the routing record'));
  const table = section.slice(section.indexOf('| field | type | required | meaning |'));
  const fields = new Map<string, string>();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [names = '', , required = ''] = line.split(/(?<!\\)\|/).slice(1).map((cell) => cell.trim());
    for (const match of names.matchAll(/`([a-z_]+)`/g)) fields.set(match[1] ?? '', required);
  }
  return fields;
}

describe("README's routing-record table", () => {
  it('lists exactly the fields of routingRecordSchema, with "yes" in the required column for the required ones', () => {
    const shape = routingRecordSchema.shape;
    const expected = new Map(Object.entries(shape).map(([name, schema]) => [name, schema.safeParse(undefined).success ? 'no' : 'yes']));
    expect(Object.fromEntries(tableFields())).toEqual(Object.fromEntries(expected));
  });
});
