// tomatl_mul: one product of an input code and a weight code (purely
// combinational), by weight arithmetic:
//   ARITH 0 fixed:   signed two's complement code, w = code (a multiplier).
//   ARITH 1 pow2:    code[W_BITS-1] = sign (1 negative), m = code[W_BITS-2:0];
//                    m == 0: w = 0, else w = +-2^(m-1) (shift and negate).
//   ARITH 2 binary:  W_BITS = 1, code 0: w = +1, code 1: w = -1 (add/sub).
//   ARITH 3 ternary: W_BITS = 2, 01: +1, 11: -1, 00: 0 (add/sub/skip).
// The exact product a*w is formed on PROD_BITS bits and then brought to
// P_BITS bits: sign-extended when P_BITS > PROD_BITS (exact), cut otherwise
// (exact modulo 2^P_BITS, what an accumulator of P_BITS bits needs). The
// product is never formed wider than it is: synthesis sizes the multiplier
// (or shifter) by its operands, not by the accumulator.
`default_nettype none

module tomatl_mul #(
    parameter IN_BITS   = 8,  // bits per input code (>= 1)
    parameter IN_SIGNED = 1,  // 1: the input is two's complement, 0: unsigned
    parameter ARITH     = 0,  // 0 fixed, 1 pow2, 2 binary, 3 ternary
    parameter W_BITS    = 8,  // bits per weight code
    parameter P_BITS    = 24  // bits of the product (two's complement, >= 2)
) (
    input  wire [IN_BITS-1:0] a,
    input  wire [ W_BITS-1:0] code,
    output wire [ P_BITS-1:0] p
);

    // Largest shift of a pow2 weight: 2^(W_BITS-1) - 2.
    localparam POW2_MAX_SHIFT = (ARITH == 1) ? ((1 << (W_BITS - 1)) - 2) : 0;
    // Exact width of one product a*w.
    localparam PROD_BITS = (ARITH == 0) ? (IN_BITS + 1 + W_BITS) :
                           (ARITH == 1) ? (IN_BITS + 2 + POW2_MAX_SHIFT) : (IN_BITS + 2);

    generate
        if (IN_BITS < 1 || (IN_SIGNED != 0 && IN_SIGNED != 1)) begin : g_illegal_in_type
            tomatl_illegal_parameter_IN_BITS_IN_SIGNED u_illegal ();
        end
        if (ARITH < 0 || ARITH > 3) begin : g_illegal_arith
            tomatl_illegal_parameter_ARITH u_illegal ();
        end
        if ((ARITH == 0 && (W_BITS < 1 || W_BITS > 16)) ||
            (ARITH == 1 && (W_BITS < 2 || W_BITS > 5)) ||
            (ARITH == 2 && W_BITS != 1) ||
            (ARITH == 3 && W_BITS != 2)) begin : g_illegal_w_bits
            tomatl_illegal_parameter_W_BITS u_illegal ();
        end
        if (P_BITS < 2) begin : g_illegal_p_bits
            tomatl_illegal_parameter_P_BITS u_illegal ();
        end
    endgenerate

    // The input, extended to the product width. Sign extensions here are
    // assignments of a signed net to a wider one, which a simulator forms in
    // one step (a replication of the sign bit costs it several); the WIDTH
    // waivers around them cover just that intended extension.
    wire [PROD_BITS-1:0] ax;
    generate
        if (IN_SIGNED != 0) begin : g_ax_signed
            wire signed [IN_BITS-1:0] a_s = a;
            /* verilator lint_off WIDTH */
            assign ax = a_s;
            /* verilator lint_on WIDTH */
        end else begin : g_ax_unsigned
            assign ax = {{(PROD_BITS - IN_BITS) {1'b0}}, a};
        end
    endgenerate
    // The product of a nonzero weight (pow2 and ternary codes of the weight
    // zero are masked after the extension below, one test for all bits).
    wire [PROD_BITS-1:0] prod;
    // The weight is not zero.
    wire nonzero;

    generate
        if (ARITH == 0) begin : g_fixed
            wire signed [W_BITS-1:0] code_s = code;
            wire [PROD_BITS-1:0] wx;
            /* verilator lint_off WIDTH */
            assign wx = code_s;
            /* verilator lint_on WIDTH */
            assign prod = ax * wx;
            assign nonzero = 1'b1;
        end else if (ARITH == 1) begin : g_pow2
            wire [PROD_BITS-1:0] mag = ax << (code[W_BITS-2:0] - 1'b1);
            assign prod = code[W_BITS-1] ? -mag : mag;
            assign nonzero = (code[W_BITS-2:0] != {(W_BITS - 1) {1'b0}});
        end else if (ARITH == 2) begin : g_binary
            assign prod = code[0] ? -ax : ax;
            assign nonzero = 1'b1;
        end else begin : g_ternary
            assign prod = code[1] ? -ax : ax;
            assign nonzero = code[0];
        end
    endgenerate

    // The product brought to P_BITS.
    wire [P_BITS-1:0] prod_p;
    generate
        if (P_BITS > PROD_BITS) begin : g_extend
            wire signed [PROD_BITS-1:0] prod_s = prod;
            /* verilator lint_off WIDTH */
            assign prod_p = prod_s;
            /* verilator lint_on WIDTH */
        end else begin : g_cut
            // Only the low P_BITS bits of the product are used.
            /* verilator lint_off UNUSEDSIGNAL */
            wire [PROD_BITS-1:0] prod_all = prod;
            /* verilator lint_on UNUSEDSIGNAL */
            assign prod_p = prod_all[P_BITS-1:0];
        end
    endgenerate

    assign p = nonzero ? prod_p : {P_BITS{1'b0}};

endmodule

`default_nettype wire
