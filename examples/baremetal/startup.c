/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * startup.c: the smallest Cortex-M4F start-up for examples/baremetal: the
 * vector table, enabling the FPU, copying .data and clearing .bss, then
 * main(); and ARM semihosting (bkpt 0xAB) for output and exit, which QEMU
 * implements with -semihosting. No libc start-up files are used. */
#include <stdint.h>
#include <string.h>

extern uint32_t _data_load[], _data_start[], _data_end[], _bss_start[], _bss_end[], _stack_top[];
int main(void);
void reset_handler(void);

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void bm_write(const char *s) { semihost(0x04, s); } /* SYS_WRITE0 */

void bm_exit(int status)
{
    /* SYS_EXIT: ADP_Stopped_ApplicationExit, or RunTimeErrorUnknown for a
     * failure (QEMU then exits with status 1) */
    semihost(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026 : 0x20023));
    for (;;)
        ;
}

static void fault_handler(void)
{
    bm_write("FAIL: hard fault\n");
    bm_exit(1);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))_stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0,
    fault_handler, fault_handler, 0, fault_handler, fault_handler,
};

void reset_handler(void)
{
    /* CP10 and CP11 full access: the FPU (-mfloat-abi=hard) */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
    memcpy(_data_start, _data_load, (size_t)((char *)_data_end - (char *)_data_start));
    memset(_bss_start, 0, (size_t)((char *)_bss_end - (char *)_bss_start));
    bm_exit(main());
}
