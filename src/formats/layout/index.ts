/** Layout rules: PyTorch / Hugging Face state dicts shown under TF / Keras names and layouts. */
export { planLayout, type LayoutOptions, type LayoutPlan, type LayoutRule, type LayoutOp } from './rules.js';
export { withLayout, formatLayoutReport, permuteBytes, type LayoutReader, type LayoutTransform } from './reader.js';
