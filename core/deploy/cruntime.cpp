#include "core/deploy/cruntime.h"

namespace qs::deployc {

const char *const kKernels = R"QSC(
/* Fixed point: the residual stream holds int32 values of real * 2^QS_MODEL_FRAC (qs_model.h), saturated.
 * Quantized convolutions read uint8 level codes of their input and b-bit packed level codes of their weights. */

#ifdef QS_PROFILE
extern unsigned long qs_cycles(void); /* startup_cortexm.c */
unsigned long qs_profile[QS_MODEL_LAYERS];
static unsigned long qs_profile_last;
#define QS_MARK_START() (qs_profile_last = qs_cycles())
#define QS_MARK(i)                                                                                            \
    do {                                                                                                      \
        unsigned long now_ = qs_cycles();                                                                     \
        qs_profile[i] += now_ - qs_profile_last;                                                              \
        qs_profile_last = now_;                                                                               \
    } while (0)
#else
#define QS_MARK_START() ((void)0)
#define QS_MARK(i) ((void)0)
#endif

typedef struct {
    uint8_t n;        /* number of shift terms, 0 for the zero level */
    uint8_t negative; /* the level is negative */
    uint8_t s[3];     /* |level integer| = sum of 2^s[i] */
} qs_term;

enum { QS_OUT_CODES = 0, QS_OUT_STREAM = 1, QS_OUT_STREAM_RELU = 2, QS_OUT_STREAM_ADD_RELU = 3 };

typedef struct {
    int mode;
    uint8_t *codes;      /* QS_OUT_CODES: the next conv's input codes */
    const int64_t *thr;  /* its thresholds on the stream scale, ascending */
    int nthr;
    int32_t *stream;     /* the other modes */
    const int32_t *res;  /* QS_OUT_STREAM_ADD_RELU: the residual (stream), NULL for none */
    int res_c, res_h, res_w, res_stride, res_pad; /* res(c, h, w) = res[c - res_pad][h * stride][w * stride] */
} qs_out;

typedef struct {
    int cin, cout, k, stride, pad, in_h, in_w, out_h, out_w, wbits;
    const uint8_t *w;     /* packed weight codes, least significant bits first */
    const qs_term *terms; /* shift-add layers, else NULL */
    const int32_t *mul;   /* multiply layers, else NULL */
    const int32_t *act;   /* input code -> activation integer */
    const int32_t *k_mul; /* per output channel: requantization multiplier */
    const int64_t *bias;  /* per output channel: offset, rounding included */
    int shift;
    int acc32; /* the largest possible sum fits int32: accumulate in 32 bits */
} qs_qconv;

typedef struct {
    int cin, cout, in_h, in_w; /* 3x3, stride 1, padding 1 */
    const int8_t *w8;          /* weights (8-bit), or */
    const int16_t *w16;        /* weights (16-bit) */
    const int32_t *k_mul;
    const int64_t *bias;
    int shift;
} qs_edge_conv;

static uint8_t qs_code(int64_t y, const int64_t *thr, int nthr)
{
    /* Number of thresholds below y: the index of the nearest level (binary search, ties to the lower). */
    int lo = 0, hi = nthr;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (y > thr[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint8_t)lo;
}

/* Stream values clipped to int32 since reset: non-zero means a value left the fixed-point range. */
unsigned long qs_model_saturations;

static int32_t qs_saturate(int64_t v)
{
    if (v > INT32_MAX || v < INT32_MIN) {
        ++qs_model_saturations;
        return v > INT32_MAX ? INT32_MAX : INT32_MIN;
    }
    return (int32_t)v;
}

/* `full` is acc * k + bias, the output on the stream scale times 2^shift: level codes compare it with
 * thresholds at that precision (the consumer's, scaled by the generator for this layer's shift); the stream
 * keeps full >> shift. */
static void qs_store(const qs_out *o, int c, int h, int w, int out_h, int out_w, int64_t full, int shift)
{
    int idx = (c * out_h + h) * out_w + w;
    int64_t y;
    if (o->mode == QS_OUT_CODES) {
        o->codes[idx] = qs_code(full, o->thr, o->nthr);
        return;
    }
    y = full >> shift; /* arithmetic shift: floor; the bias holds 2^(shift-1) to round */
    if (o->mode == QS_OUT_STREAM_ADD_RELU && o->res) {
        int rc = c - o->res_pad;
        if (rc >= 0 && rc < o->res_c)
            y += o->res[(rc * o->res_h + h * o->res_stride) * o->res_w + w * o->res_stride];
    }
    if (o->mode != QS_OUT_STREAM && y < 0)
        y = 0;
    o->stream[idx] = qs_saturate(y);
}


static void qs_codes(const int32_t *x, int n, const int64_t *thr, int nthr, uint8_t *out)
{
    int i;
    for (i = 0; i < n; ++i)
        out[i] = qs_code(x[i], thr, nthr);
}

static void qs_unpack(const uint8_t *packed, int first, int count, int bits, uint8_t *out)
{
    int i;
    unsigned mask = (1u << bits) - 1u;
    for (i = 0; i < count; ++i) {
        unsigned long bit = (unsigned long)(first + i) * (unsigned long)bits;
        unsigned v = packed[bit >> 3] | ((unsigned)packed[(bit >> 3) + 1] << 8);
        out[i] = (uint8_t)((v >> (bit & 7u)) & mask);
    }
}

/* One product of an activation integer and a weight level: shifts and adds, or one multiply. */
#define QS_PRODUCT(ACC, a, c)                                                                                 \
    do {                                                                                                      \
        if (L->terms) {                                                                                       \
            const qs_term *t_ = &L->terms[c];                                                                 \
            int32_t v_ = (a) << t_->s[0];                                                                     \
            if (t_->n > 1) {                                                                                  \
                v_ += (a) << t_->s[1];                                                                        \
                if (t_->n > 2)                                                                                \
                    v_ += (a) << t_->s[2];                                                                    \
            }                                                                                                 \
            ACC += t_->negative ? -v_ : v_;                                                                   \
        } else {                                                                                              \
            ACC += (a) * L->mul[c];                                                                           \
        }                                                                                                     \
    } while (0)

/* The sum over one output's window of the taps with a non-zero weight, in ACC_T (int32 where the layer's
 * bound allows, which the generator checked). Interior windows skip the bounds checks. */
#define QS_WINDOW(ACC_T, acc_out)                                                                             \
    do {                                                                                                      \
        ACC_T acc_ = 0;                                                                                       \
        if (inside) {                                                                                         \
            for (j = 0; j < n; ++j) {                                                                         \
                int32_t a_ = L->act[in[base + off[j]]];                                                       \
                QS_PRODUCT(acc_, a_, code[j]);                                                                \
            }                                                                                                 \
        } else {                                                                                              \
            for (j = 0; j < n; ++j) {                                                                         \
                int ih_ = ih0 + tkh[j], iw_ = iw0 + tkw[j];                                                   \
                int32_t a_;                                                                                   \
                if (ih_ < 0 || ih_ >= L->in_h || iw_ < 0 || iw_ >= L->in_w)                                   \
                    continue;                                                                                 \
                a_ = L->act[in[base + off[j]]];                                                               \
                QS_PRODUCT(acc_, a_, code[j]);                                                                \
            }                                                                                                 \
        }                                                                                                     \
        acc_out = acc_;                                                                                       \
    } while (0)

static void qs_conv(const qs_qconv *L, const uint8_t *in, const qs_out *o, uint8_t *scratch)
{
    int co, oh, ow, ci, kh, kw, j;
    int taps = L->cin * L->k * L->k;
    /* Per output channel: the input offset, weight code and kernel position of each non-zero tap. */
    int32_t *off = (int32_t *)scratch;
    uint8_t *code = scratch + 4 * taps, *tkh = code + taps, *tkw = tkh + taps;
    for (co = 0; co < L->cout; ++co) {
        int n = 0;
        qs_unpack(L->w, co * taps, taps, L->wbits, code);
        for (ci = 0; ci < L->cin; ++ci)
            for (kh = 0; kh < L->k; ++kh)
                for (kw = 0; kw < L->k; ++kw) {
                    uint8_t c = code[(ci * L->k + kh) * L->k + kw]; /* read before code[n] is written: n <= t */
                    if (L->terms ? !L->terms[c].n : !L->mul[c])
                        continue;
                    off[n] = (ci * L->in_h + kh) * L->in_w + kw;
                    code[n] = c;
                    tkh[n] = (uint8_t)kh;
                    tkw[n] = (uint8_t)kw;
                    ++n;
                }
        for (oh = 0; oh < L->out_h; ++oh) {
            int ih0 = oh * L->stride - L->pad;
            int rows_inside = ih0 >= 0 && ih0 + L->k <= L->in_h;
            for (ow = 0; ow < L->out_w; ++ow) {
                int iw0 = ow * L->stride - L->pad;
                int inside = rows_inside && iw0 >= 0 && iw0 + L->k <= L->in_w;
                int32_t base = ih0 * L->in_w + iw0;
                int64_t acc;
                if (L->acc32)
                    QS_WINDOW(int32_t, acc);
                else
                    QS_WINDOW(int64_t, acc);
                qs_store(o, co, oh, ow, L->out_h, L->out_w, acc * L->k_mul[co] + L->bias[co], L->shift);
            }
        }
    }
}

static void qs_edge(const qs_edge_conv *L, const int32_t *in, const qs_out *o)
{
    int co, oh, ow, ci, kh, kw;
    for (co = 0; co < L->cout; ++co) {
        for (oh = 0; oh < L->in_h; ++oh) {
            for (ow = 0; ow < L->in_w; ++ow) {
                int64_t acc = 0;
                for (ci = 0; ci < L->cin; ++ci) {
                    for (kh = 0; kh < 3; ++kh) {
                        int ih = oh - 1 + kh;
                        if (ih < 0 || ih >= L->in_h)
                            continue;
                        for (kw = 0; kw < 3; ++kw) {
                            int iw = ow - 1 + kw;
                            int widx = ((co * L->cin + ci) * 3 + kh) * 3 + kw;
                            int32_t m = L->w8 ? L->w8[widx] : L->w16[widx];
                            if (iw < 0 || iw >= L->in_w || !m)
                                continue;
                            acc += (int64_t)in[(ci * L->in_h + ih) * L->in_w + iw] * m;
                        }
                    }
                }
                qs_store(o, co, oh, ow, L->in_h, L->in_w, acc * L->k_mul[co] + L->bias[co], L->shift);
            }
        }
    }
}

static int qs_classify(const int32_t *x, int c, int hw, int classes, const int8_t *w8, const int16_t *w16,
                       const int64_t *bias, int64_t *logits)
{
    /* Global average pooling as sums (the 1 / hw is in the classifier's scale), then the classifier and its
     * argmax (the first of equal logits, as torch.argmax). */
    int i, j, best = 0;
    int64_t pooled[QS_MODEL_FEATURES];
    for (i = 0; i < c; ++i) {
        int64_t s = 0;
        int p;
        for (p = 0; p < hw; ++p)
            s += x[i * hw + p];
        pooled[i] = s;
    }
    for (j = 0; j < classes; ++j) {
        int64_t acc = bias[j];
        for (i = 0; i < c; ++i)
            acc += pooled[i] * (w8 ? w8[j * c + i] : w16[j * c + i]);
        logits[j] = acc;
        if (acc > logits[best])
            best = j;
    }
    return best;
}
)QSC";

const char *const kMain =
    R"QSC(/* QuantScope deployed model driver: reads a CIFAR-10 binary file (1 label byte + 3 x 32 x 32 pixel bytes per
 * image) and prints one predicted class per image. Usage: qs_model_host FILE [COUNT] [--logits]
 * --logits also prints the logits, in the app's units, after the class. */
#include "qs_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef QS_CORTEX_M
extern unsigned long qs_cycles(void); /* startup_cortexm.c: SysTick cycles since reset */
#endif

int main(int argc, char **argv)
{
    static uint8_t record[1 + QS_MODEL_INPUT_BYTES];
    int64_t logits[QS_MODEL_CLASSES];
    const char *path = NULL;
    long count = -1, done = 0;
    int i, print_logits = 0;
    FILE *f;
    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--logits") == 0)
            print_logits = 1;
        else if (!path)
            path = argv[i];
        else
            count = strtol(argv[i], NULL, 10);
    }
    if (!path) {
        fprintf(stderr, "usage: %s CIFAR10_BINARY_FILE [COUNT] [--logits]\n", argc > 0 ? argv[0] : "qs_model");
        return 2;
    }
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    while (count < 0 || done < count) {
        size_t got = fread(record, 1, sizeof record, f);
        int predicted, j;
        if (got == 0)
            break;
        if (got != sizeof record) {
            fprintf(stderr, "%s: image %ld is truncated (%lu of %lu bytes)\n", path, done, (unsigned long)got,
                    (unsigned long)sizeof record);
            fclose(f);
            return 1;
        }
        predicted = qs_model_predict(record + 1, logits);
        printf("%d", predicted);
        if (print_logits)
            for (j = 0; j < QS_MODEL_CLASSES; ++j)
                printf(" %.9g", (double)logits[j] * QS_MODEL_LOGIT_SCALE);
        printf("\n");
        ++done;
    }
    fclose(f);
    if (qs_model_saturations)
        fprintf(stderr, "qs_model: warning: %lu activations left the fixed-point range and were clipped\n",
                qs_model_saturations);
#ifdef QS_CORTEX_M
    /* Under QEMU's -icount shift=0 (make run-qemu) an instruction takes 1 ns and a SysTick tick 40 ns (25 MHz),
     * so instructions = 40 x ticks. */
    fprintf(stderr, "qs_model: %ld images, %lu SysTick ticks\n", done, qs_cycles());
#endif
#ifdef QS_PROFILE
    for (i = 0; i < QS_MODEL_LAYERS; ++i)
        fprintf(stderr, "qs_model: layer %s %lu ticks\n", qs_model_layer_names[i], qs_profile[i]);
#endif
    return 0;
}
)QSC";

const char *const kStartup =
    R"QSC(/* Cortex-M3 startup for QEMU's mps2-an385: vector table, reset handler, semihosting command line, a SysTick
 * cycle count. Input and output go through newlib's semihosting (librdimon). */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __bss_start__, __bss_end__, __stack_top__;
extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&__stack_top__), Reset_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler,
    SysTick_Handler};

static volatile unsigned long systick_wraps;

void SysTick_Handler(void)
{
    ++systick_wraps;
}

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

unsigned long qs_cycles(void)
{
    unsigned long wraps, now;
    do {
        wraps = systick_wraps;
        now = SYST_CVR;
    } while (wraps != systick_wraps);
    return wraps * 0x1000000ul + (0xFFFFFFul - now);
}

static int semihost(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void Reset_Handler(void)
{
    static char cmdline[512];
    static char *argv[16];
    struct {
        char *buffer;
        int length;
    } request = {cmdline, (int)sizeof cmdline - 1};
    int argc = 0;
    char *p;
    uint32_t *b;
    for (b = &__bss_start__; b < &__bss_end__; ++b)
        *b = 0;
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    initialise_monitor_handles();
    if (semihost(0x15 /* SYS_GET_CMDLINE */, &request) == 0) {
        cmdline[request.length] = 0;
        for (p = cmdline; *p && argc < 15;) {
            while (*p == ' ')
                *p++ = 0;
            if (!*p)
                break;
            argv[argc++] = p;
            while (*p && *p != ' ')
                ++p;
        }
    }
    argv[argc] = 0;
    exit(main(argc, argv));
}

void Default_Handler(void)
{
    static const char message[] = "qs_model: fault\n";
    semihost(0x04 /* SYS_WRITE0 */, (void *)message);
    exit(3);
}
)QSC";

const char *const kLinkerScript =
    R"QSC(/* mps2-an385 (QEMU): 4 MB SSRAM1 at 0 holds code and constants, 4 MB SSRAM2/3 at 0x20000000 the rest.
 * QEMU loads .data at its address; on a board with flash, copy it from its load address instead. */
MEMORY
{
    FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
    RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 4M
}
ENTRY(Reset_Handler)
SECTIONS
{
    .text : {
        KEEP(*(.vectors))
        *(.text*)
        *(.rodata*)
        KEEP(*(.init)) KEEP(*(.fini))
        . = ALIGN(4);
    } > FLASH
    .ARM.exidx : { *(.ARM.exidx*) } > FLASH
    .data : { *(.data*) . = ALIGN(4); } > RAM
    .bss (NOLOAD) : {
        __bss_start__ = .;
        *(.bss*) *(COMMON)
        . = ALIGN(4);
        __bss_end__ = .;
    } > RAM
    end = .;
    __end__ = .;
    __stack_top__ = ORIGIN(RAM) + LENGTH(RAM);
}
)QSC";

const char *const kMakefile =
    R"QSC(# QuantScope deployed model. `make host` builds qs_model_host; `make cortex-m` builds qs_model_cortexm.elf for
# an Arm Cortex-M3 (QEMU's mps2-an385); `make run-qemu DATA=FILE COUNT=N` runs it there through semihosting;
# `make profile-qemu` prints the instructions of each layer.
CC ?= cc
CFLAGS ?= -O2
ARM_CC ?= arm-none-eabi-gcc
ARM_SIZE ?= arm-none-eabi-size
ARM_CFLAGS ?= -O2
QEMU ?= qemu-system-arm
DATA ?= test_batch.bin
COUNT ?= 4

host: qs_model_host
cortex-m: qs_model_cortexm.elf

qs_model_host: main.c qs_model.c qs_model.h
	$(CC) -std=c99 $(CFLAGS) -Wall -Wextra -o $@ main.c qs_model.c

ARM_LINK = -std=c99 -mcpu=cortex-m3 -mthumb $(ARM_CFLAGS) -Wall -DQS_CORTEX_M -ffunction-sections -fdata-sections \
	--specs=nano.specs --specs=rdimon.specs -nostartfiles -T cortexm.ld -Wl,--gc-sections
# -icount shift=0: one instruction per virtual nanosecond, so the SysTick ticks the driver prints count
# instructions (40 per tick at the board's 25 MHz).
QEMU_RUN = $(QEMU) -M mps2-an385 -nographic -monitor none -serial none -icount shift=0 \
	-semihosting-config enable=on,target=native,arg=qs_model,arg=$(DATA),arg=$(COUNT) -kernel

qs_model_cortexm.elf: main.c qs_model.c qs_model.h startup_cortexm.c cortexm.ld
	$(ARM_CC) $(ARM_LINK) -o $@ startup_cortexm.c main.c qs_model.c
	$(ARM_SIZE) $@

qs_model_profile.elf: main.c qs_model.c qs_model.h startup_cortexm.c cortexm.ld
	$(ARM_CC) $(ARM_LINK) -DQS_PROFILE -o $@ startup_cortexm.c main.c qs_model.c

run-qemu: qs_model_cortexm.elf
	$(QEMU_RUN) qs_model_cortexm.elf

# SysTick ticks per layer (the profile marks cost a few instructions each).
profile-qemu: qs_model_profile.elf
	$(QEMU_RUN) qs_model_profile.elf

clean:
	rm -f qs_model_host qs_model_cortexm.elf qs_model_profile.elf

.PHONY: host cortex-m run-qemu profile-qemu clean
)QSC";

} // namespace qs::deployc
