/** Types of scripts/plan-validator-code.mjs (for the test that compares its validator with the sources'). */
export declare const PLAN_AJV_OPTIONS: { allErrors: boolean; strict: boolean };
export declare function planValidatorCode(root: string): string;
