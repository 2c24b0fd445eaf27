'use strict';
/**
 * What the three workload modules share: each Caliper worker sends as one of the submitters
 * (worker w as submitters[w % 2], alice and dave, as bench:e2e alternates them), and measures for
 * its round what Caliper's report does not show:
 * - how many of its transactions were in flight, averaged over time (the fixed-load controller
 *   aims at transactionLoad / workers per worker; this is what it kept);
 * - the CPU time its own process and Caliper's manager process (its parent) spent, from its first
 *   send until the round's cleanup (utime + stime in /proc/<pid>/stat), per transaction;
 * - each successful transaction's latency from Caliper's own timestamps (TxStatus create and final),
 *   so the runner can give a median and p95 where Caliper's report gives the mean.
 * At cleanup it writes these to <statsDir>/round-<round>-worker-<worker>.json for bench/caliper/run.mjs.
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

/** CPU milliseconds a process has spent (utime + stime in /proc/<pid>/stat, in ticks of 10 ms). */
function cpuMs(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start at state, field 3; utime is 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A workload module: a subclass says what to send as its n-th transaction (from 0) in `request(n)`. */
class MeasuredWorkload extends WorkloadModuleBase {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
        await super.initializeWorkloadModule(
            workerIndex,
            totalWorkers,
            roundIndex,
            roundArguments,
            sutAdapter,
            sutContext,
        );
        const { submitters } = roundArguments;
        this.invokerIdentity = submitters[workerIndex % submitters.length];
        this.sent = 0;
        this.inFlight = 0;
        this.inFlightArea = 0; // transactions in flight × milliseconds
        this.firstSend = undefined;
        this.lastChange = undefined;
        this.cpuAtFirstSend = undefined; // {worker, manager} ms
        this.latencies = [];
    }

    async submitTransaction() {
        const n = this.sent++;
        if (n === 0) {
            this.firstSend = this.lastChange = performance.now();
            this.cpuAtFirstSend = { worker: cpuMs(process.pid), manager: cpuMs(process.ppid) };
        }
        this.changeInFlight(+1);
        try {
            const status = await this.sutAdapter.sendRequests({
                ...this.request(n),
                invokerIdentity: this.invokerIdentity,
            });
            if (status.GetStatus() === 'success') this.latencies.push(status.GetTimeFinal() - status.GetTimeCreate());
        } finally {
            this.changeInFlight(-1);
        }
    }

    changeInFlight(delta) {
        const now = performance.now();
        this.inFlightArea += this.inFlight * (now - this.lastChange);
        this.lastChange = now;
        this.inFlight += delta;
    }

    async cleanupWorkloadModule() {
        if (this.sent === 0) return;
        const stats = {
            round: this.roundIndex,
            worker: this.workerIndex,
            identity: this.invokerIdentity,
            sent: this.sent,
            cpuMs: cpuMs(process.pid) - this.cpuAtFirstSend.worker,
            managerCpuMs: cpuMs(process.ppid) - this.cpuAtFirstSend.manager,
            meanInFlight: this.inFlightArea / (this.lastChange - this.firstSend),
            latencies: this.latencies,
        };
        const file = path.join(
            this.roundArguments.statsDir,
            `round-${this.roundIndex}-worker-${this.workerIndex}.json`,
        );
        fs.writeFileSync(file, JSON.stringify(stats));
    }
}

module.exports = { MeasuredWorkload };
