/**
 * What the server starters need from their caller: somewhere to register a stop at the end, and
 * whether things went well (a failed test keeps the servers' files for reading). A tap test is one;
 * a benchmark makes its own.
 */
export interface TestScope {
  teardown(fn: () => unknown): void
  passing(): boolean
}
