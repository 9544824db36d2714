/*
 * A small simulated Objective-C runtime and Metal framework for Linux, so the Java Metal backend (which only loads a
 * library by path and talks to the Objective-C runtime) can be exercised without a Mac. It provides objc_getClass,
 * sel_registerName, objc_msgSend (msgsend_x86_64.S: forwards argument registers untouched to the method found by
 * selector), the block isa symbols, MTLCreateSystemDefaultDevice, and the Metal classes and methods the backend
 * calls, with real retain counts (objects freed at zero; buffers retain their heap), heap placement (first fit,
 * 4096-aligned extents, coalescing, maxAvailableSizeWithAlignment = largest free extent rounded down), lazily
 * committed memory (mmap MAP_NORESERVE), shared buffers with contents and private ones without, command buffers
 * completed in order on a worker thread that runs completion blocks, and shared events.
 * Environment: METALSIM_RECOMMENDED_MAX (bytes, default 16 GiB), METALSIM_UNIFIED (1/0, default 1).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef void *id;
typedef const char *SEL;
typedef struct { uint64_t size, align; } MTLSizeAndAlign;

/* ---------------------------------------------------------------- classes, selectors, lookup */
typedef struct { const char *sel; void *imp; } method;
typedef struct sim_class { const char *name; method *inst; method *cls; } sim_class;
typedef struct obj { sim_class *isa; long retain; } obj;
/* A class object: what objc_getClass returns; its first word marks it. */
typedef struct { uint64_t magic; sim_class *cls; } class_obj;
#define CLASS_MAGIC 0xC1A55C1A55C1A55ULL

static pthread_mutex_t g = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t sel_lock = PTHREAD_MUTEX_INITIALIZER;
static char *sels[512];
static int nsels;

SEL sel_registerName(const char *name) {
    pthread_mutex_lock(&sel_lock);
    for (int i = 0; i < nsels; i++) {
        if (strcmp(sels[i], name) == 0) { pthread_mutex_unlock(&sel_lock); return sels[i]; }
    }
    if (nsels == 512) { fprintf(stderr, "metalsim: too many selectors\n"); abort(); }
    sels[nsels] = strdup(name);
    SEL s = sels[nsels++];
    pthread_mutex_unlock(&sel_lock);
    return s;
}

static void *find(method *m, SEL sel) {
    for (; m && m->sel; m++) if (strcmp(m->sel, sel) == 0) return m->imp;
    return NULL;
}

void *sim_lookup(id self, SEL sel) {
    void *imp = NULL;
    const char *cname = "?";
    if (self && ((class_obj *)self)->magic == CLASS_MAGIC) {
        sim_class *c = ((class_obj *)self)->cls;
        cname = c->name;
        imp = find(c->cls, sel);
    } else if (self) {
        sim_class *c = ((obj *)self)->isa;
        cname = c->name;
        imp = find(c->inst, sel);
    }
    if (!imp) {
        fprintf(stderr, "metalsim: %s does not respond to %s\n", cname, sel ? sel : "(null)");
        abort();
    }
    return imp;
}

/* Block ABI (clang): isa, flags, reserved, invoke, descriptor. The isa symbols exist for the caller to point at. */
void *_NSConcreteGlobalBlock[32];
void *_NSConcreteStackBlock[32];
typedef struct block { void *isa; int flags; int reserved; void (*invoke)(void *, id); void *desc; } block;

/* ---------------------------------------------------------------- common object methods */
static void sim_free(obj *o);

static id m_retain(obj *self, SEL s) { (void)s; pthread_mutex_lock(&g); self->retain++; pthread_mutex_unlock(&g); return self; }
static uint64_t m_retainCount(obj *self, SEL s) { (void)s; pthread_mutex_lock(&g); long r = self->retain; pthread_mutex_unlock(&g); return (uint64_t)r; }
static void m_release(obj *self, SEL s) {
    (void)s;
    pthread_mutex_lock(&g);
    long r = --self->retain;
    pthread_mutex_unlock(&g);
    if (r == 0) sim_free(self);
    else if (r < 0) { fprintf(stderr, "metalsim: %s over-released\n", self->isa->name); abort(); }
}
#define OBJ_METHODS {"retain", (void *)m_retain}, {"release", (void *)m_release}, {"retainCount", (void *)m_retainCount}

/* ---------------------------------------------------------------- NSString */
typedef struct { obj o; char *s; } nsstring;
static const char *m_utf8(nsstring *self, SEL s) { (void)s; return self->s; }
static method nsstring_inst[] = {OBJ_METHODS, {"UTF8String", (void *)m_utf8}, {0, 0}};
static sim_class nsstring_class = {"NSString", nsstring_inst, NULL};

/* ---------------------------------------------------------------- extents */
typedef struct { uint64_t off, len; } extent;
typedef struct { extent *free; int nfree, cap; } extents;
static void ext_init(extents *e, uint64_t size) { e->cap = 16; e->free = malloc(sizeof(extent) * 16); e->free[0] = (extent){0, size}; e->nfree = 1; }
static int64_t ext_alloc(extents *e, uint64_t len) {
    for (int i = 0; i < e->nfree; i++) {
        if (e->free[i].len >= len) {
            uint64_t off = e->free[i].off;
            e->free[i].off += len; e->free[i].len -= len;
            if (e->free[i].len == 0) { memmove(&e->free[i], &e->free[i + 1], sizeof(extent) * (e->nfree - i - 1)); e->nfree--; }
            return (int64_t)off;
        }
    }
    return -1;
}
static void ext_release(extents *e, uint64_t off, uint64_t len) {
    int i = 0;
    while (i < e->nfree && e->free[i].off < off) i++;
    if (e->nfree == e->cap) { e->cap *= 2; e->free = realloc(e->free, sizeof(extent) * e->cap); }
    memmove(&e->free[i + 1], &e->free[i], sizeof(extent) * (e->nfree - i));
    e->free[i] = (extent){off, len}; e->nfree++;
    if (i + 1 < e->nfree && e->free[i].off + e->free[i].len == e->free[i + 1].off) {
        e->free[i].len += e->free[i + 1].len;
        memmove(&e->free[i + 1], &e->free[i + 2], sizeof(extent) * (e->nfree - i - 2)); e->nfree--;
    }
    if (i > 0 && e->free[i - 1].off + e->free[i - 1].len == e->free[i].off) {
        e->free[i - 1].len += e->free[i].len;
        memmove(&e->free[i], &e->free[i + 1], sizeof(extent) * (e->nfree - i - 1)); e->nfree--;
    }
}
static uint64_t ext_max(extents *e) { uint64_t m = 0; for (int i = 0; i < e->nfree; i++) if (e->free[i].len > m) m = e->free[i].len; return m; }
static uint64_t round4k(uint64_t n) { return (n + 4095) & ~4095ULL; }

/* ---------------------------------------------------------------- device, descriptor, heap, buffer */
typedef struct { obj o; uint64_t recommended, allocated; int unified; nsstring *name; } device;
typedef struct { obj o; uint64_t size, storage, cpu, hazard, options, type; } heapdesc;
typedef struct { obj o; device *dev; uint64_t size, storage; char *base; extents ext; uint64_t purgeable; } heap;
typedef struct { obj o; heap *h; uint64_t off, len, placed; } buffer;

static sim_class device_class, heapdesc_class, heap_class, buffer_class, queue_class, cmdbuf_class, event_class;

static id alloc_obj(sim_class *c, size_t size) { obj *o = calloc(1, size); o->isa = c; o->retain = 1; return o; }

static id m_desc_new(class_obj *self, SEL s) { (void)self; (void)s; return alloc_obj(&heapdesc_class, sizeof(heapdesc)); }
static void m_setSize(heapdesc *d, SEL s, uint64_t v) { (void)s; d->size = v; }
static void m_setStorageMode(heapdesc *d, SEL s, uint64_t v) { (void)s; d->storage = v; }
static void m_setCpuCacheMode(heapdesc *d, SEL s, uint64_t v) { (void)s; d->cpu = v; }
static void m_setHazardTrackingMode(heapdesc *d, SEL s, uint64_t v) { (void)s; d->hazard = v; }
static void m_setResourceOptions(heapdesc *d, SEL s, uint64_t v) { (void)s; d->options = v; }
static void m_setType(heapdesc *d, SEL s, uint64_t v) { (void)s; d->type = v; }
static method heapdesc_inst[] = {OBJ_METHODS, {"setSize:", (void *)m_setSize}, {"setStorageMode:", (void *)m_setStorageMode},
    {"setCpuCacheMode:", (void *)m_setCpuCacheMode}, {"setHazardTrackingMode:", (void *)m_setHazardTrackingMode},
    {"setResourceOptions:", (void *)m_setResourceOptions}, {"setType:", (void *)m_setType}, {0, 0}};
static method heapdesc_cls[] = {{"new", (void *)m_desc_new}, {0, 0}};
static sim_class heapdesc_class = {"MTLHeapDescriptor", heapdesc_inst, heapdesc_cls};
static class_obj heapdesc_classobj = {CLASS_MAGIC, &heapdesc_class};

static id m_newHeap(device *dev, SEL s, heapdesc *d) {
    (void)s;
    uint64_t size = round4k(d->size);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    heap *h = alloc_obj(&heap_class, sizeof(heap));
    h->dev = dev; h->size = size; h->storage = d->storage; h->base = p; h->purgeable = 2;
    ext_init(&h->ext, size);
    pthread_mutex_lock(&g); dev->allocated += size; dev->o.retain++; pthread_mutex_unlock(&g);
    return h;
}
static uint64_t m_heapSize(heap *h, SEL s) { (void)s; return h->size; }
static uint64_t m_maxAvail(heap *h, SEL s, uint64_t align) {
    (void)s; pthread_mutex_lock(&g); uint64_t m = ext_max(&h->ext); pthread_mutex_unlock(&g); return m & ~(align - 1);
}
static id m_newBuffer(heap *h, SEL s, uint64_t len, uint64_t options) {
    (void)s; (void)options;
    uint64_t placed = round4k(len ? len : 1);
    pthread_mutex_lock(&g);
    int64_t off = ext_alloc(&h->ext, placed);
    if (off >= 0) h->o.retain++;
    pthread_mutex_unlock(&g);
    if (off < 0) return NULL;
    buffer *b = alloc_obj(&buffer_class, sizeof(buffer));
    b->h = h; b->off = (uint64_t)off; b->len = len; b->placed = placed;
    return b;
}
static uint64_t m_setPurgeable(heap *h, SEL s, uint64_t state) {
    (void)s; uint64_t prev = h->purgeable; if (state != 1) h->purgeable = state; return prev;
}
static method heap_inst[] = {OBJ_METHODS, {"size", (void *)m_heapSize}, {"maxAvailableSizeWithAlignment:", (void *)m_maxAvail},
    {"newBufferWithLength:options:", (void *)m_newBuffer}, {"setPurgeableState:", (void *)m_setPurgeable}, {0, 0}};
static sim_class heap_class = {"MTLHeap", heap_inst, NULL};

static uint64_t m_length(buffer *b, SEL s) { (void)s; return b->len; }
static void *m_contents(buffer *b, SEL s) { (void)s; return b->h->storage == 2 /* private */ ? NULL : b->h->base + b->off; }
static uint64_t m_gpuAddress(buffer *b, SEL s) { (void)s; return (uint64_t)(uintptr_t)(b->h->base + b->off); }
static uint64_t m_heapOffset(buffer *b, SEL s) { (void)s; return b->off; }
static method buffer_inst[] = {OBJ_METHODS, {"length", (void *)m_length}, {"contents", (void *)m_contents},
    {"gpuAddress", (void *)m_gpuAddress}, {"heapOffset", (void *)m_heapOffset}, {0, 0}};
static sim_class buffer_class = {"MTLBuffer", buffer_inst, NULL};

/* ---------------------------------------------------------------- shared events */
typedef struct { obj o; uint64_t value; pthread_cond_t cv; } event;
static uint64_t m_signaledValue(event *e, SEL s) { (void)s; pthread_mutex_lock(&g); uint64_t v = e->value; pthread_mutex_unlock(&g); return v; }
static method event_inst[] = {OBJ_METHODS, {"signaledValue", (void *)m_signaledValue}, {0, 0}};
static sim_class event_class = {"MTLSharedEvent", event_inst, NULL};

/* ---------------------------------------------------------------- command queue and buffers */
typedef struct cmdbuf cmdbuf;
typedef struct { obj o; pthread_t worker; pthread_mutex_t m; pthread_cond_t cv; cmdbuf *head, *tail; int stop; } queue;
struct cmdbuf {
    obj o; queue *q; cmdbuf *next;
    block *handlers[64]; int nhandlers;
    event *sig_event; uint64_t sig_value;
    int committed, completed; pthread_cond_t done;
};

static void *worker_main(void *arg) {
    queue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->m);
        while (!q->head && !q->stop) pthread_cond_wait(&q->cv, &q->m);
        if (!q->head && q->stop) { pthread_mutex_unlock(&q->m); return NULL; }
        cmdbuf *c = q->head;
        q->head = c->next; if (!q->head) q->tail = NULL;
        pthread_mutex_unlock(&q->m);
        if (c->sig_event) { pthread_mutex_lock(&g); c->sig_event->value = c->sig_value; pthread_mutex_unlock(&g); }
        for (int i = 0; i < c->nhandlers; i++) c->handlers[i]->invoke(c->handlers[i], c);
        pthread_mutex_lock(&q->m);
        c->completed = 1;
        pthread_cond_broadcast(&c->done);
        pthread_mutex_unlock(&q->m);
        m_release(&c->o, "release"); /* the queue's reference */
    }
}

static id m_newCommandQueue(device *dev, SEL s) {
    (void)dev; (void)s;
    queue *q = alloc_obj(&queue_class, sizeof(queue));
    pthread_mutex_init(&q->m, NULL); pthread_cond_init(&q->cv, NULL);
    pthread_create(&q->worker, NULL, worker_main, q);
    return q;
}
static id m_commandBuffer(queue *q, SEL s) {
    (void)s;
    cmdbuf *c = alloc_obj(&cmdbuf_class, sizeof(cmdbuf));
    c->q = q; pthread_cond_init(&c->done, NULL);
    return c; /* +1 that stands for the autorelease pool the simulation never drains */
}
static void m_addCompletedHandler(cmdbuf *c, SEL s, block *b) {
    (void)s;
    if (c->nhandlers == 64) { fprintf(stderr, "metalsim: too many handlers\n"); abort(); }
    c->handlers[c->nhandlers++] = b;
}
static void m_encodeSignal(cmdbuf *c, SEL s, event *e, uint64_t value) { (void)s; c->sig_event = e; c->sig_value = value; }
static void m_commit(cmdbuf *c, SEL s) {
    (void)s;
    queue *q = c->q;
    pthread_mutex_lock(&g); c->o.retain++; pthread_mutex_unlock(&g); /* the queue's reference */
    pthread_mutex_lock(&q->m);
    c->committed = 1;
    if (q->tail) q->tail->next = c; else q->head = c;
    q->tail = c;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->m);
}
static void m_waitUntilCompleted(cmdbuf *c, SEL s) {
    (void)s;
    queue *q = c->q;
    pthread_mutex_lock(&q->m);
    while (!c->completed) pthread_cond_wait(&c->done, &q->m);
    pthread_mutex_unlock(&q->m);
}
static method cmdbuf_inst[] = {OBJ_METHODS, {"addCompletedHandler:", (void *)m_addCompletedHandler},
    {"encodeSignalEvent:value:", (void *)m_encodeSignal}, {"commit", (void *)m_commit},
    {"waitUntilCompleted", (void *)m_waitUntilCompleted}, {0, 0}};
static sim_class cmdbuf_class = {"MTLCommandBuffer", cmdbuf_inst, NULL};
static method queue_inst[] = {OBJ_METHODS, {"commandBuffer", (void *)m_commandBuffer}, {0, 0}};
static sim_class queue_class = {"MTLCommandQueue", queue_inst, NULL};

static id m_newSharedEvent(device *dev, SEL s) { (void)dev; (void)s; return alloc_obj(&event_class, sizeof(event)); }

/* ---------------------------------------------------------------- device */
static id m_name(device *d, SEL s) { (void)s; return d->name; }
static signed char m_unified(device *d, SEL s) { (void)s; return (signed char)d->unified; }
static uint64_t m_recommended(device *d, SEL s) { (void)s; return d->recommended; }
static uint64_t m_current(device *d, SEL s) { (void)s; pthread_mutex_lock(&g); uint64_t a = d->allocated; pthread_mutex_unlock(&g); return a; }
static uint64_t m_maxBuffer(device *d, SEL s) { (void)s; return d->recommended; }
static MTLSizeAndAlign m_sizeAlign(device *d, SEL s, uint64_t len, uint64_t options) {
    (void)d; (void)s; (void)options; return (MTLSizeAndAlign){round4k(len), 4096};
}
static method device_inst[] = {OBJ_METHODS, {"name", (void *)m_name}, {"hasUnifiedMemory", (void *)m_unified},
    {"recommendedMaxWorkingSetSize", (void *)m_recommended}, {"currentAllocatedSize", (void *)m_current},
    {"maxBufferLength", (void *)m_maxBuffer}, {"heapBufferSizeAndAlignWithLength:options:", (void *)m_sizeAlign},
    {"newHeapWithDescriptor:", (void *)m_newHeap}, {"newCommandQueue", (void *)m_newCommandQueue},
    {"newSharedEvent", (void *)m_newSharedEvent}, {0, 0}};
static sim_class device_class = {"MTLDevice", device_inst, NULL};

id MTLCreateSystemDefaultDevice(void) {
    device *d = alloc_obj(&device_class, sizeof(device));
    const char *rec = getenv("METALSIM_RECOMMENDED_MAX");
    const char *uni = getenv("METALSIM_UNIFIED");
    d->recommended = rec ? strtoull(rec, NULL, 0) : (16ULL << 30);
    d->unified = uni ? atoi(uni) != 0 : 1;
    nsstring *n = alloc_obj(&nsstring_class, sizeof(nsstring));
    n->s = strdup("Simulated Metal device (metalsim)");
    d->name = n;
    return d;
}

id objc_getClass(const char *name) {
    if (strcmp(name, "MTLHeapDescriptor") == 0) return &heapdesc_classobj;
    return NULL;
}

/* ---------------------------------------------------------------- freeing */
static void sim_free(obj *o) {
    if (o->isa == &buffer_class) {
        buffer *b = (buffer *)o;
        pthread_mutex_lock(&g); ext_release(&b->h->ext, b->off, b->placed); pthread_mutex_unlock(&g);
        m_release(&b->h->o, "release");
    } else if (o->isa == &heap_class) {
        heap *h = (heap *)o;
        munmap(h->base, h->size);
        free(h->ext.free);
        pthread_mutex_lock(&g); h->dev->allocated -= h->size; pthread_mutex_unlock(&g);
        m_release(&h->dev->o, "release");
    } else if (o->isa == &queue_class) {
        queue *q = (queue *)o;
        pthread_mutex_lock(&q->m); q->stop = 1; pthread_cond_signal(&q->cv); pthread_mutex_unlock(&q->m);
        if (!pthread_equal(pthread_self(), q->worker)) pthread_join(q->worker, NULL); else pthread_detach(q->worker);
        return; /* the queue struct stays: a late reference must not crash */
    } else if (o->isa == &device_class) {
        return; /* the system default device lives for the process */
    }
    free(o);
}

/* test helper: an implementation that reports the registers it got, to check objc_msgSend forwards them untouched */
static double m_probe(obj *self, SEL s, int64_t a, int64_t b, int64_t c, int64_t d, double x, int64_t e, int64_t f) {
    (void)self; (void)s;
    return (double)(a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f) + x;
}
static method probe_inst[] = {{"probe:b:c:d:x:e:f:", (void *)m_probe}, {0, 0}};
static sim_class probe_class = {"Probe", probe_inst, NULL};
static obj probe_obj = {&probe_class, 1};
id metalsim_probe(void) { return &probe_obj; }
