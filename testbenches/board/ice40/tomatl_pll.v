// tomatl_pll, stand-in for simulation only: the module `icepll -p -m`
// writes for `tomatl build` on iCE40 (an SB_PLL40_PAD, which has no
// simulation model here), as a behavioural model so that a board top can
// be Verilated. The output clock is the input clock: the simulation's
// clock stands for the PLL's output frequency. `locked` rises after 16
// cycles.
`default_nettype none

module tomatl_pll (
    input  wire clock_in,   // the oscillator
    output wire clock_out,  // the accelerator's clock
    output wire locked      // high once the clock is stable
);

    reg [4:0] count_reg = 5'd0;

    always @(posedge clock_in) begin
        if (!count_reg[4]) count_reg <= count_reg + 5'd1;
    end

    assign clock_out = clock_in;
    assign locked = count_reg[4];

endmodule

`default_nettype wire
