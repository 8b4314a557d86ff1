/** Types of scripts/params-validators-code.mjs (for the test that compares its validators with the sources'). */
export declare const PARAMS_AJV_OPTIONS: { allErrors: boolean; useDefaults: boolean; strict: boolean };
export declare function paramsValidatorsCode(root: string): Promise<string>;
