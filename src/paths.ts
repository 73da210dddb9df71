import path from "node:path"

/** Whether `target` is `root` or lies below it (paths compared as given, resolved against the working directory). */
export function isWithin(target: string, root: string): boolean {
  const inside = path.relative(path.resolve(root), path.resolve(target))
  return inside === "" || (!inside.startsWith("..") && !path.isAbsolute(inside))
}
