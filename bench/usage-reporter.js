// Preloaded (`node --require`) into each process the bench measures. Node exposes no per-child
// peak memory to its parent, so the measured process reports its own: at exit it writes its
// peak resident set size and CPU time to the file named by PIMGUARD_BENCH_USAGE_FILE.
// Plain JavaScript on purpose: loading ts-node here would add to what is being measured.
"use strict";
const fs = require("fs");

const usageFile = process.env.PIMGUARD_BENCH_USAGE_FILE;
if (usageFile) {
    // Only this process reports; anything it starts must not overwrite the figures.
    delete process.env.PIMGUARD_BENCH_USAGE_FILE;
    process.on("exit", () => {
        const usage = process.resourceUsage();
        fs.writeFileSync(usageFile, JSON.stringify({ maxRssKiB: usage.maxRSS, userCpuMicros: usage.userCPUTime, systemCpuMicros: usage.systemCPUTime }));
    });
}
