/**
 * The oldest Node.js routetrace runs on: package.json `engines` says the same (undici 8 needs
 * 22.19; better-sqlite3 13 and vitest need 22.12). npm refuses older lines at install
 * (`engine-strict`); this check covers a copy started some other way.
 */
export const MINIMUM_NODE = '22.19.0';

/** One line explaining why this Node is too old, or undefined when it is recent enough. */
export function unsupportedNodeMessage(program: string, version: string = process.versions.node): string | undefined {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const [needMajor = 0, needMinor = 0, needPatch = 0] = MINIMUM_NODE.split('.').map(Number);
  const older = major !== needMajor ? major < needMajor : minor !== needMinor ? minor < needMinor : patch < needPatch;
  return older ? `${program} needs Node.js >=${MINIMUM_NODE} (24 LTS recommended); this is v${version}` : undefined;
}
