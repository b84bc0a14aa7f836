/**
 * Diagrams of machines (Mermaid, DOT, SVG) and of supervision trees (Mermaid, DOT). Pure
 * functions of their input, except SVG, which needs the Graphviz WebAssembly module loaded.
 */
export { toMermaid } from './mermaid.js';
export { toDot } from './dot.js';
export { toSvg, dotToSvg, DiagramRenderError } from './svg.js';
export { treeToMermaid, treeToDot } from './tree.js';
export { isSupervisorLike, isSupervisorSpecLike } from './tree-walk.js';
export type { TreeDiagramOptions } from './tree.js';
export type { SupervisorLike, SupervisorSpecLike, ChildSpecLike } from './tree-walk.js';
