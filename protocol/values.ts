/**
 * Small value types shared by resources, attributes and the info types
 * (Mesos v1 `Value`, `Labels`). Plain data, snake_case, msgpack-able.
 */

/** An inclusive range of unsigned integers, as in Mesos's `Value.Range`. */
export interface Range {
  begin: number;
  end: number;
}

export type ValueType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';

export interface Label {
  key: string;
  value?: string;
}

export interface Labels {
  labels: Label[];
}
