/** The class-change plan lives in checkpoint/class-plan.ts (layers/ uses it too); kept here for workflows imports. */
export * from '../checkpoint/class-plan.js';
