// tomatl_reset_sync: a reset for the `clk` domain from an asynchronous
// source (a button, a PLL's lock). Asserted at once when `arst` rises and
// at configuration (the register's initial value), released on a clock
// edge STAGES cycles after `arst` falls, so every flip-flop of the domain
// leaves reset in the same cycle.
`default_nettype none

module tomatl_reset_sync #(
    parameter STAGES = 4  // synchroniser length (>= 2)
) (
    input  wire clk,
    input  wire arst,  // asynchronous, active high
    output wire rst    // synchronous to clk, active high
);

    generate
        if (STAGES < 2) begin : g_illegal_stages
            tomatl_illegal_parameter_STAGES u_illegal ();
        end
    endgenerate

    reg [STAGES-1:0] sync_reg = {STAGES{1'b1}};

    always @(posedge clk or posedge arst) begin
        if (arst) begin
            sync_reg <= {STAGES{1'b1}};
        end else begin
            sync_reg <= {sync_reg[STAGES-2:0], 1'b0};
        end
    end

    assign rst = sync_reg[STAGES-1];

endmodule

`default_nettype wire
