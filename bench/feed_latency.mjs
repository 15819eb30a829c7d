// bench/feed_latency.mjs: the latency of GET requests over keep-alive connections, for
// bench/feed.sh. Usage: node bench/feed_latency.mjs URL REQUESTS CONCURRENCY. Sends
// REQUESTS requests, CONCURRENCY at a time, after a warm-up of 50 requests per connection
// (untimed: the service's database connections plan the statement on first use), and prints
// one line: "p50_ms p99_ms max_ms non_200". Every reply is read
// whole.
import http from 'node:http';

const [url, requests = '2000', concurrency = '4'] = process.argv.slice(2);
const total = Number(requests);
const conns = Number(concurrency);
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });

function get() {
	return new Promise((resolve, reject) => {
		const start = process.hrtime.bigint();
		http.get(url, { agent }, (res) => {
			res.on('data', () => {});
			res.on('end', () =>
				resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status: res.statusCode }));
		}).on('error', reject);
	});
}

async function worker(n, times, statuses) {
	for (let i = 0; i < n; i++) {
		const r = await get();
		times.push(r.ms);
		statuses.push(r.status);
	}
}

await Promise.all(Array.from({ length: conns }, () => worker(50, [], [])));
const times = [];
const statuses = [];
const share = Math.ceil(total / conns);
await Promise.all(Array.from({ length: conns }, () => worker(share, times, statuses)));
agent.destroy();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
const bad = statuses.filter((s) => s !== 200).length;
console.log(`${at(0.5).toFixed(2)} ${at(0.99).toFixed(2)} ${times[times.length - 1].toFixed(2)} ${bad}`);
