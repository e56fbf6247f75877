/* A small stack-machine bytecode interpreter with switch dispatch, running a
 * program that loops argv[1] times over branchy integer work (Collatz steps,
 * modular arithmetic, conditional jumps). */
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DIV2, AND1, DUP, POP, JZ, JNZ, JMP, LT, EQ, HALT };

/* locals: 0 = i (outer counter), 1 = n (Collatz value), 2 = acc, 3 = limit, 4 = steps.
 * The program is assembled at startup by build(), which resolves jump labels. */
static int code[256];
static int len;
static void emit(int op) { code[len++] = op; }

static int build(void) {
    len = 0;
    enum { L_OUTER, L_INNER, L_ODD, L_STEP, L_DONE, L_END, NL };
    int label[NL], fix[64][2], nfix = 0;
#define JUMP(op, l) do { emit(op); fix[nfix][0] = len; fix[nfix][1] = l; nfix++; emit(0); } while (0)
#define LABEL(l) label[l] = len
    emit(PUSH); emit(0); emit(STORE); emit(0);
    emit(PUSH); emit(0); emit(STORE); emit(2);
    LABEL(L_OUTER);
    emit(LOAD); emit(0); emit(LOAD); emit(3); emit(LT); JUMP(JZ, L_END);
    emit(LOAD); emit(0); emit(PUSH); emit(27); emit(ADD); emit(STORE); emit(1);
    emit(PUSH); emit(0); emit(STORE); emit(4);
    LABEL(L_INNER);
    emit(LOAD); emit(1); emit(PUSH); emit(1); emit(EQ); JUMP(JNZ, L_DONE);
    emit(LOAD); emit(1); emit(AND1); JUMP(JNZ, L_ODD);
    emit(LOAD); emit(1); emit(DIV2); emit(STORE); emit(1); JUMP(JMP, L_STEP);
    LABEL(L_ODD);
    emit(LOAD); emit(1); emit(PUSH); emit(3); emit(MUL); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(1);
    LABEL(L_STEP);
    emit(LOAD); emit(4); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(4); JUMP(JMP, L_INNER);
    LABEL(L_DONE);
    /* acc = (acc * 31 + steps) % 1000000007; i = i + 1 */
    emit(LOAD); emit(2); emit(PUSH); emit(31); emit(MUL); emit(LOAD); emit(4); emit(ADD);
    emit(PUSH); emit(1000000007); emit(MOD); emit(STORE); emit(2);
    emit(LOAD); emit(0); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(0); JUMP(JMP, L_OUTER);
    LABEL(L_END);
    emit(LOAD); emit(2); emit(HALT);
    for (int k = 0; k < nfix; k++) code[fix[k][0]] = label[fix[k][1]];
    return len;
}

static long long run(long long limit) {
    long long stack[64], locals[8] = {0};
    int sp = 0, pc = 0;
    locals[3] = limit;
    for (;;) {
        int op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = locals[code[pc++]]; break;
        case STORE: locals[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case DIV2: stack[sp - 1] >>= 1; break;
        case AND1: stack[sp - 1] &= 1; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case POP: sp--; break;
        case JZ: { int t = code[pc++]; if (stack[--sp] == 0) pc = t; break; }
        case JNZ: { int t = code[pc++]; if (stack[--sp] != 0) pc = t; break; }
        case JMP: pc = code[pc]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case HALT: return stack[sp - 1];
        default: printf("bad opcode %d at %d\n", op, pc - 1); exit(2);
        }
    }
}

int main(int argc, char **argv) {
    long long n = argc > 1 ? atoll(argv[1]) : 100000;
    build();
    printf("%lld\n", run(n));
    return 0;
}
