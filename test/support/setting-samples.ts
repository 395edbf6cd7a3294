import { expect } from 'vitest';
import { z } from 'zod';
import { settingsSchema } from '../../src/core/config/settings-schema.ts';

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
}

function jsonSchema(): JsonSchema {
  return z.toJSONSchema(settingsSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/**
 * Every setting (`machineName`, `uploads.concurrency`, …) read off the schema itself, not off a
 * list in the code under test: a key added later is covered without touching the tests.
 */
export function everySettingKey(): string[] {
  return Object.entries(jsonSchema().properties!).flatMap(([name, node]) =>
    node.type === 'object' ? Object.keys(node.properties!).map((f) => `${name}.${f}`) : [name],
  );
}

function schemaOf(key: string): JsonSchema {
  const [section, field] = key.split('.') as [string, string | undefined];
  const top = jsonSchema().properties![section]!;
  return field === undefined ? top : top.properties![field]!;
}

/** Values worth trying for a setting: its options, its bounds, strings of common shapes. */
function candidates(schema: JsonSchema, current: unknown): unknown[] {
  if (schema.anyOf) return schema.anyOf.flatMap((option) => candidates(option, current));
  if (schema.enum) return schema.enum;
  switch (schema.type) {
    case 'boolean':
      return [!current];
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? 2 ** 31, 2 ** 31);
      const n = typeof current === 'number' ? current : min;
      return [min, max, min * 2, n * 2, n + 1].filter((v) => v >= min && v <= max);
    }
    case 'string':
      return ['sample-text', 'http://127.0.0.1:9/', 'mongodb://127.0.0.1:9/?directConnection=true'];
    default:
      return [];
  }
}

export function patchFor(key: string, value: unknown): Record<string, unknown> {
  const [section, field] = key.split('.') as [string, string | undefined];
  return field === undefined ? { [section]: value } : { [section]: { [field]: value } };
}

export function settingValue(settings: object, key: string): unknown {
  const [section, field] = key.split('.') as [string, string | undefined];
  const top = (settings as Record<string, unknown>)[section];
  return field === undefined ? top : (top as Record<string, unknown>)[field];
}

function withSetting<T extends object>(settings: T, key: string, value: unknown): T {
  const copy = structuredClone(settings) as Record<string, Record<string, unknown>>;
  const [section, field] = key.split('.') as [string, string | undefined];
  if (field === undefined) (copy as Record<string, unknown>)[section] = value;
  else copy[section]![field] = value;
  return copy as T;
}

/**
 * Sets every key of the schema in turn to a value it did not have, and checks after each that
 * `read()` shows that key changed and every other key as it was. `set` answers false when the
 * value was refused (the next candidate is tried).
 */
export async function expectEachKeyChangesAlone(options: {
  set(key: string, value: unknown): Promise<boolean>;
  read(): Promise<object>;
  /** Where an environment variable overrides a key, `read()` keeps showing its value. */
  overridden?: readonly string[];
}): Promise<string[]> {
  const keys = everySettingKey();
  for (const key of keys) {
    const before = await options.read();
    const current = settingValue(before, key);
    let changed = false;
    for (const value of candidates(schemaOf(key), current)) {
      if (Object.is(value, current)) continue;
      if (!(await options.set(key, value))) continue;
      changed = true;
      const expected = options.overridden?.includes(key) ? before : withSetting(before, key, value);
      expect(await options.read(), `after setting ${key} to ${JSON.stringify(value)}`).toEqual(
        expected,
      );
      break;
    }
    expect(changed, `no value found to set ${key}: teach candidates() its type`).toBe(true);
  }
  return keys;
}
