/* The hashing worker: see hashq.h.
 *
 * A ring of RING blocks between one producer (staging) and one consumer
 * (this worker), under one mutex. The worker owns the SHA-256 state of the
 * file in progress; a file's digest is final with its last block. A
 * mismatch is remembered (the first one), not acted on: the staging loop
 * asks at the end.
 *
 * Waking the worker costs a futex call and, on another CPU, an interrupt
 * (a fifth of pakfire's CPU samples on a paravirtualised guest when every
 * block woke it): the producer wakes it only once two blocks wait, when it
 * must wait itself (the ring is full), and at the end. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "apply/hashq.h"

#define RING 4
#define WAKE_AT 2  /* blocks waiting before the worker is woken */

struct slot {
	char *data;
	size_t len;
	size_t id;
	bool last;
	const uint8_t *expect;
};

struct pf_hashq {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled;   /* a slot was pushed, or stop */
	pthread_cond_t drained;  /* a slot was hashed */
	struct slot ring[RING];
	size_t head;             /* next slot the producer fills */
	size_t tail;             /* next slot the worker hashes */
	size_t count;            /* slots pushed and not yet hashed */
	bool stop;
	struct pf_sha256 *h;     /* the file in progress; NULL between files */
	size_t mismatch;         /* first file that did not match */
	bool failed;             /* out of memory in the worker */
	char *blocks;
};

/* Hash one slot, outside the lock. */
static void hash_slot(struct pf_hashq *q, const struct slot *s)
{
	uint8_t sum[32];

	if (!q->h) {
		q->h = pf_sha256_new();
		if (!q->h) {
			q->failed = true;
			return;
		}
	}
	pf_sha256_update(q->h, s->data, s->len);
	if (!s->last)
		return;
	pf_sha256_final(q->h, sum);
	pf_sha256_free(q->h);
	q->h = NULL;
	if (memcmp(sum, s->expect, 32) != 0 && q->mismatch == PF_HASHQ_NONE)
		q->mismatch = s->id;
}

static void *worker(void *arg)
{
	struct pf_hashq *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct slot s;

		while (q->count == 0 && !q->stop)
			pthread_cond_wait(&q->filled, &q->lock);
		if (q->stop)
			break;
		s = q->ring[q->tail];
		pthread_mutex_unlock(&q->lock);
		hash_slot(q, &s);
		pthread_mutex_lock(&q->lock);
		q->tail = (q->tail + 1) % RING;
		q->count--;
		pthread_cond_signal(&q->drained);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct pf_hashq *pf_hashq_start(struct pf_ctx *ctx)
{
	struct pf_hashq *q = calloc(1, sizeof(*q));
	int err;

	if (!q || !(q->blocks = malloc((size_t)RING * PF_HASHQ_BLOCK))) {
		free(q);
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < RING; i++)
		q->ring[i].data = q->blocks + i * PF_HASHQ_BLOCK;
	q->mismatch = PF_HASHQ_NONE;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->filled, NULL);
	pthread_cond_init(&q->drained, NULL);
	err = pthread_create(&q->thread, NULL, worker, q);
	if (err) {
		pthread_cond_destroy(&q->drained);
		pthread_cond_destroy(&q->filled);
		pthread_mutex_destroy(&q->lock);
		free(q->blocks);
		free(q);
		errno = err;
		pf_fail_errno(ctx, PF_E_OTHER, "cannot start the hashing thread");
		return NULL;
	}
	return q;
}

char *pf_hashq_block(struct pf_hashq *q)
{
	char *data;

	pthread_mutex_lock(&q->lock);
	if (q->count == RING)
		pthread_cond_signal(&q->filled);
	while (q->count == RING)
		pthread_cond_wait(&q->drained, &q->lock);
	data = q->ring[q->head].data;
	pthread_mutex_unlock(&q->lock);
	return data;
}

void pf_hashq_push(struct pf_hashq *q, size_t id, size_t len, bool last,
		   const uint8_t expect[32])
{
	pthread_mutex_lock(&q->lock);
	q->ring[q->head].len = len;
	q->ring[q->head].id = id;
	q->ring[q->head].last = last;
	q->ring[q->head].expect = expect;
	q->head = (q->head + 1) % RING;
	q->count++;
	if (q->count >= WAKE_AT)
		pthread_cond_signal(&q->filled);
	pthread_mutex_unlock(&q->lock);
}

int pf_hashq_finish(struct pf_ctx *ctx, struct pf_hashq *q, size_t *bad)
{
	bool failed;

	pthread_mutex_lock(&q->lock);
	if (q->count > 0)
		pthread_cond_signal(&q->filled);
	while (q->count > 0)
		pthread_cond_wait(&q->drained, &q->lock);
	failed = q->failed;
	*bad = q->mismatch;
	pthread_mutex_unlock(&q->lock);
	return failed ? pf_fail(ctx, PF_E_OTHER, "out of memory while hashing") : 0;
}

void pf_hashq_free(struct pf_hashq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->filled);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->drained);
	pthread_cond_destroy(&q->filled);
	pthread_mutex_destroy(&q->lock);
	pf_sha256_free(q->h);
	free(q->blocks);
	free(q);
}
