// tomatl_loop_counter: the counters of two nested loops,
//     for (outer = 0; outer < OUTER; outer++) for (inner = 0; inner < INNER; inner++)
// advanced one iteration by `step`, wrapping from the last iteration to the
// first, with the flat iteration index outer*INNER + inner (a ROM address).
// The engines' issue stages: tomatl_mvau (input step and pass), tomatl_vvau
// (kernel position and channel group), tomatl_gap (channel group and
// pixel), tomatl_pool (window element, OUTER = 1).
//
// Every output is a register or a compare of a register with a constant.
// An output nobody reads (the flat index of tomatl_gap, say) is left to the
// tools to drop.
`default_nettype none

module tomatl_loop_counter #(
    parameter INNER      = 1,                                // iterations of the inner loop (>= 1)
    parameter OUTER      = 1,                                // iterations of the outer loop (>= 1)
    parameter INNER_BITS = (INNER > 1) ? $clog2(INNER) : 1,  // width of `inner` (leave as is)
    parameter OUTER_BITS = (OUTER > 1) ? $clog2(OUTER) : 1,  // width of `outer` (leave as is)
    parameter FLAT_BITS  = (INNER * OUTER > 1) ? $clog2(INNER * OUTER) : 1  // width of `flat` (leave as is)
) (
    input  wire                  clk,
    input  wire                  rst,
    // advance one iteration
    input  wire                  step,
    output wire [INNER_BITS-1:0] inner,
    output wire [OUTER_BITS-1:0] outer,
    output wire [ FLAT_BITS-1:0] flat,
    // inner == 0, inner == INNER-1, outer == 0, outer == OUTER-1
    output wire                  inner_first,
    output wire                  inner_last,
    output wire                  outer_first,
    output wire                  outer_last
);

    generate
        if (INNER < 1 || OUTER < 1) begin : g_illegal_count
            tomatl_illegal_parameter_INNER_OUTER u_illegal ();
        end
        if (INNER_BITS != ((INNER > 1) ? $clog2(INNER) : 1) ||
            OUTER_BITS != ((OUTER > 1) ? $clog2(OUTER) : 1) ||
            FLAT_BITS != ((INNER * OUTER > 1) ? $clog2(INNER * OUTER) : 1)) begin : g_illegal_bits
            tomatl_illegal_parameter_INNER_BITS_OUTER_BITS_FLAT_BITS u_illegal ();
        end
    endgenerate

    localparam INNER_LAST_I = INNER - 1;  // last inner iteration
    localparam OUTER_LAST_I = OUTER - 1;  // last outer iteration
    localparam FLAT_LAST_I = INNER * OUTER - 1;  // last flat index
    localparam [INNER_BITS-1:0] INNER_LAST = INNER_LAST_I[INNER_BITS-1:0];  // INNER_LAST_I, sized
    localparam [OUTER_BITS-1:0] OUTER_LAST = OUTER_LAST_I[OUTER_BITS-1:0];  // OUTER_LAST_I, sized
    localparam [FLAT_BITS-1:0] FLAT_LAST = FLAT_LAST_I[FLAT_BITS-1:0];  // FLAT_LAST_I, sized

    reg [INNER_BITS-1:0] inner_reg;
    reg [OUTER_BITS-1:0] outer_reg;
    reg [ FLAT_BITS-1:0] flat_reg;

    assign inner       = inner_reg;
    assign outer       = outer_reg;
    assign flat        = flat_reg;
    assign inner_first = (inner_reg == {INNER_BITS{1'b0}});
    assign inner_last  = (inner_reg == INNER_LAST);
    assign outer_first = (outer_reg == {OUTER_BITS{1'b0}});
    assign outer_last  = (outer_reg == OUTER_LAST);

    always @(posedge clk) begin
        if (rst) begin
            inner_reg <= {INNER_BITS{1'b0}};
            outer_reg <= {OUTER_BITS{1'b0}};
            flat_reg  <= {FLAT_BITS{1'b0}};
        end else if (step) begin
            if (inner_last) begin
                inner_reg <= {INNER_BITS{1'b0}};
                outer_reg <= outer_last ? {OUTER_BITS{1'b0}} : outer_reg + 1'b1;
            end else begin
                inner_reg <= inner_reg + 1'b1;
            end
            flat_reg <= (flat_reg == FLAT_LAST) ? {FLAT_BITS{1'b0}} : flat_reg + 1'b1;
        end
    end

endmodule

`default_nettype wire
