// Test-wide setup.
import { MEMO_MODE_VARIABLE, memoizeDynaliteExpressions } from "./support/dynalite-expression-memo.ts";

// The AWS SDK's Node 20 notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// Every dynalite request of the suite, here and in the emulator process the chaos test starts,
// checks the memo the chaos replay's emulator uses against dynalite's own parse (and answers with
// dynalite's).
process.env[MEMO_MODE_VARIABLE] = "verify";
memoizeDynaliteExpressions("verify");
