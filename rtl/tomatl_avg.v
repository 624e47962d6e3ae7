// tomatl_avg: the average of docs/numerics.md (purely combinational):
//   num = sum << AVG_LSHIFT, den = AVG_DIV,
//   y   = saturate(floor((num + c) / den))
// which rounds num/den by ROUND_MODE, then saturates to the OUT_BITS output
// code (NARROW = 1: without the bottom signed or the top unsigned code).
// The constant c of ROUND_MODE, with n the sign of num and D = den:
//   0 half_ceil (ties to +inf, the default)  c = floor(D/2)
//   1 half_even (ties to even)               c = floor(D/2), and a tie (D
//                                            even, X a multiple of D) with
//                                            an odd quotient q gives q - 1
//   2 half_away (ties away from zero)        c = n ? floor((D-1)/2) : floor(D/2)
//   3 half_zero (ties towards zero)          c = n ? floor(D/2) : floor((D-1)/2)
//   4 floor                                  c = 0
//   5 ceil                                   c = D - 1
//   6 to_zero (truncation)                   c = n ? D - 1 : 0
//   7 away (from zero)                       c = n ? 0 : D - 1
// For the default this is floor((2*num + den) / (2*den)) (ties towards
// +inf: -3.5 -> -3; for odd D, X + 1/2 never reaches the next multiple of D).
//
// The division by the constant is exact without a divider:
//   floor(X / D) with X = num + c.
// With U = X for X >= 0 and U = D - 1 - X for X < 0 (so that
// floor(X/D) = -floor(U/D) for X < 0), the quotient of the non-negative U,
// U < 2^UB, is floor(U * M / 2^SH) with L = clog2(D), SH = UB + L and
// M = ceil(2^SH / D). Proof: M*D = 2^SH + E with 0 <= E < D <= 2^L, so
// U*M/2^SH = U/D + U*E/(D*2^SH) and U*E < 2^UB * 2^L = 2^SH: the error is
// below 1/D and cannot carry U/D past the next integer. One constant
// multiplier of UB x (UB+2) bits, an add and two conditional negations.
`default_nettype none

module tomatl_avg #(
    parameter SUM_BITS   = 16,  // bits of the two's complement sum (2..56)
    parameter AVG_LSHIFT = 0,   // num = sum << AVG_LSHIFT (0..16)
    parameter AVG_DIV    = 1,   // den (1 .. 2^30)
    parameter OUT_BITS   = 8,   // bits per output code (1..32)
    parameter OUT_SIGNED = 1,   // 1: two's complement output, 0: unsigned
    parameter ROUND_MODE = 0,   // rounding of num/den, 0..7 (above)
    parameter NARROW     = 0    // 1: narrow-range saturation
) (
    input  wire [SUM_BITS-1:0] sum,
    output wire [OUT_BITS-1:0] y
);

    // clog2 of the divisor.
    localparam L = $clog2(AVG_DIV);
    // Width of X = (sum << AVG_LSHIFT) + floor(D/2), two's complement.
    localparam XB = (((SUM_BITS + AVG_LSHIFT) > (L + 1)) ? (SUM_BITS + AVG_LSHIFT) : (L + 1)) + 1;
    // Width of U (unsigned): U < 2^(XB-1) + D.
    localparam UB = (((XB - 1) > L) ? (XB - 1) : L) + 1;
    // Shift of the reciprocal multiply.
    localparam SH = UB + L;
    // Width of M = ceil(2^SH / D) < 2^(UB+1) + 1.
    localparam MB = UB + 2;
    // Width of the constant arithmetic (holds 2^SH + D).
    localparam CB = ((SH + 2) > 34) ? (SH + 2) : 34;
    // Width of the signed quotient.
    localparam QB = UB + 1;
    // Width of the product (holds U*M and the quotient field above SH).
    localparam PB = ((UB + MB) > (SH + QB)) ? (UB + MB) : (SH + QB);

    generate
        if (SUM_BITS < 2 || SUM_BITS > 56) begin : g_illegal_sum_bits
            tomatl_illegal_parameter_SUM_BITS u_illegal ();
        end
        if (AVG_LSHIFT < 0 || AVG_LSHIFT > 16) begin : g_illegal_avg_lshift
            tomatl_illegal_parameter_AVG_LSHIFT u_illegal ();
        end
        if (AVG_DIV < 1 || AVG_DIV > (1 << 30)) begin : g_illegal_avg_div
            tomatl_illegal_parameter_AVG_DIV u_illegal ();
        end
        if (ROUND_MODE < 0 || ROUND_MODE > 7) begin : g_illegal_round_mode
            tomatl_illegal_parameter_ROUND_MODE u_illegal ();
        end
    endgenerate

    // A non-negative integer zero-extended to CB bits (constant function).
    function [CB-1:0] widen;
        input integer v;
        begin
            widen = {CB{1'b0}};
            widen[31:0] = v;
        end
    endfunction

    localparam [CB-1:0] D_C = widen(AVG_DIV);  // the divisor, CB bits
    localparam [CB-1:0] ONE_C = {{(CB - 1) {1'b0}}, 1'b1};  // 1, CB bits
    localparam [CB-1:0] M_C = ((ONE_C << SH) + D_C - ONE_C) / D_C;  // ceil(2^SH / D)
    localparam [CB-1:0] H_C = D_C >> 1;  // floor(D / 2)
    localparam [CB-1:0] HL_C = (D_C - ONE_C) >> 1;  // floor((D - 1) / 2)
    localparam [CB-1:0] F_C = D_C - ONE_C;  // D - 1
    localparam [CB-1:0] Z_C = {CB{1'b0}};  // 0
    // c for a non-negative and for a negative num
    localparam [CB-1:0] CP_C = (ROUND_MODE == 3) ? HL_C : (ROUND_MODE == 4 || ROUND_MODE == 6) ? Z_C :
                               (ROUND_MODE == 5 || ROUND_MODE == 7) ? F_C : H_C;
    localparam [CB-1:0] CN_C = (ROUND_MODE == 2) ? HL_C : (ROUND_MODE == 4 || ROUND_MODE == 7) ? Z_C :
                               (ROUND_MODE == 5 || ROUND_MODE == 6) ? F_C : H_C;

    // Only the low bits of the constants are used.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CB-1:0] m_c = M_C;
    wire [CB-1:0] cp_c = CP_C;
    wire [CB-1:0] cn_c = CN_C;
    wire [CB-1:0] d_c = D_C;
    /* verilator lint_on UNUSEDSIGNAL */

    // X = (sum << AVG_LSHIFT) + c
    wire [XB-1:0] sum_x = {{(XB - SUM_BITS) {sum[SUM_BITS-1]}}, sum};
    wire [XB-1:0] x = (sum_x << AVG_LSHIFT) + (sum[SUM_BITS-1] ? cn_c[XB-1:0] : cp_c[XB-1:0]);
    wire neg = x[XB-1];
    wire [UB-1:0] x_u = {{(UB - XB) {x[XB-1]}}, x};
    // U = X, or D - 1 - X = D + ~X for X < 0
    wire [UB-1:0] u = neg ? (d_c[UB-1:0] + ~x_u) : x_u;
    // Only the bits above SH are the quotient.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [PB-1:0] prod = {{(PB - UB) {1'b0}}, u} * {{(PB - MB) {1'b0}}, m_c[MB-1:0]};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [QB-1:0] q_u = prod[SH+:QB];
    wire [QB-1:0] q_f = neg ? -q_u : q_u;

    // Half to even: a tie is X = q_f * D exactly (D even); the remainder
    // X - q_f * D lies in [0, D), so its low L + 1 bits decide.
    wire [QB-1:0] q;
    generate
        if (ROUND_MODE == 1 && AVG_DIV % 2 == 0) begin : g_tie
            localparam RB = L + 1;
            wire [RB-1:0] qd = q_f[RB-1:0] * d_c[RB-1:0];
            wire [RB-1:0] rem = x[RB-1:0] - qd;
            wire tie = (rem == {RB{1'b0}});
            assign q = (tie && q_f[0]) ? (q_f - {{(QB - 1) {1'b0}}, 1'b1}) : q_f;
        end else begin : g_no_tie
            assign q = q_f;
        end
    endgenerate

    // Saturation to the output code.
    tomatl_requant #(
        .ACC_BITS  (QB),
        .RSHIFT    (0),
        .LSHIFT    (0),
        .ACT       (0),
        .RELU6_MAX (0),
        .OUT_BITS  (OUT_BITS),
        .OUT_SIGNED(OUT_SIGNED),
        .NARROW    (NARROW)
    ) u_sat (
        .mult(1'b0),
        .acc(q),
        .y  (y)
    );

endmodule

`default_nettype wire
