/**
 * TF1's standard collection keys (`tf.GraphKeys`, python/framework/ops.py) and the `AUTO_REUSE`
 * sentinel of variable_scope.py. The strings are TF's, so ported code that names collections by
 * string keeps working.
 */

/** Collection keys, with the exact strings TF uses (docs/design/TF-SEMANTICS.md §2). */
export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  LOCAL_VARIABLES: 'local_variables',
  METRIC_VARIABLES: 'metric_variables',
  MODEL_VARIABLES: 'model_variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
  SUMMARIES: 'summaries',
  MOVING_AVERAGE_VARIABLES: 'moving_average_variables',
  REGULARIZATION_LOSSES: 'regularization_losses',
  UPDATE_OPS: 'update_ops',
  LOSSES: 'losses',
  SAVERS: 'savers',
  SAVEABLE_OBJECTS: 'saveable_objects',
  GLOBAL_STEP: 'global_step',
  QUEUE_RUNNERS: 'queue_runners',
  TABLE_INITIALIZERS: 'table_initializer',
  ASSET_FILEPATHS: 'asset_filepaths',
  CONCATENATED_VARIABLES: 'concatenated_variables',
  WEIGHTS: 'weights',
  BIASES: 'biases',
  ACTIVATIONS: 'activations',
  RESOURCES: 'resources',
  LOCAL_RESOURCES: 'local_resources',
  TRAINABLE_RESOURCE_VARIABLES: 'trainable_resource_variables',
  INIT_OP: 'init_op',
  LOCAL_INIT_OP: 'local_init_op',
  READY_OP: 'ready_op',
  READY_FOR_LOCAL_INIT_OP: 'ready_for_local_init_op',
  SUMMARY_OP: 'summary_op',
  EVAL_STEP: 'eval_step',
  TRAIN_OP: 'train_op',
  COND_CONTEXT: 'cond_context',
  WHILE_CONTEXT: 'while_context',
} as const;

/** `tf.AUTO_REUSE`: get_variable creates the variable when absent and returns it when present. */
export const AUTO_REUSE: unique symbol = Symbol('AUTO_REUSE');

/** The reuse modes a scope can carry (`false` is TF's "inherit", stored as `false`). */
export type ReuseMode = boolean | typeof AUTO_REUSE;
