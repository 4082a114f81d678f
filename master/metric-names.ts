/**
 * Counter names made of a fixed prefix and a name from the master's own
 * protocol (`master/messages_sent/ping`, `events/update`): built once per
 * name, so counting a message on the hot path is one map lookup of a string
 * whose hash is already known, not a new string to build and hash.
 */
export function metricNames(prefix: string, transform: (name: string) => string = (n) => n): (name: string) => string {
  const names = new Map<string, string>();
  return (name) => {
    let full = names.get(name);
    if (full === undefined) names.set(name, (full = prefix + transform(name)));
    return full;
  };
}
