export declare const BUILD_STAMP: string;
export declare function newestSourceTime(root: string): number;
